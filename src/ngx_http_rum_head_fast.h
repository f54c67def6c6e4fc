
/*
 * ngx_http_rum_module: the finder's fast path, one vector width.
 *
 * Included by ngx_http_rum_head.c once per width: SSE2 (16 bytes), and
 * AVX2 (32 bytes) compiled for that target and chosen at run time when
 * the CPU has it.  The includer defines, and this file undefines:
 *
 *   ngx_http_rum_head_fast_w    the name of the function
 *   ngx_http_rum_head_chr2_w    the name of its helper
 *   ngx_http_rum_head_target    the attribute of both (the target ISA)
 *   ngx_http_rum_vec_t          the vector type
 *   ngx_http_rum_vec_len        its length in bytes
 *   ngx_http_rum_vec_set1(c)    c in every byte
 *   ngx_http_rum_vec_load(p)    the bytes at p
 *   ngx_http_rum_vec_eq(a, b)   0xff where a's and b's bytes are equal
 *   ngx_http_rum_vec_or(a, b)
 *   ngx_http_rum_vec_bits(v)    the top bit of each byte, as an unsigned
 */


static ngx_http_rum_head_inline ngx_http_rum_head_target u_char *
ngx_http_rum_head_chr2_w(u_char **pp, u_char *e, ngx_http_rum_vec_t a,
    ngx_http_rum_vec_t b);


/*
 * The states most bytes are read in, fast: text, and a raw text element
 * (script, style, ...) from its name to its end tag, a vector at a time,
 * while a "<" or "C" found leaves NGX_HTTP_RUM_HEAD_FAST_AFTER bytes to
 * read after it.  Returns an event, or AGAIN with *pp where the state
 * machine reads on: near the end of the chunk, or in a state of its own
 * (a comment, the attributes of <body> or of a script with
 * rum_crossorigin).
 */

static ngx_http_rum_head_target int
ngx_http_rum_head_fast_w(ngx_http_rum_head_t *h, u_char *start, u_char **pp,
    u_char *last)
{
    u_char              *p, *q, *e, c;
    size_t               len;
    uint64_t             w, rw, rmask;
    unsigned             m, n;
    ngx_http_rum_vec_t   lt, uc, cc;

    p = *pp;
    e = last - ngx_http_rum_vec_len - NGX_HTTP_RUM_HEAD_FAST_AFTER;
    lt = ngx_http_rum_vec_set1('<');
    uc = ngx_http_rum_vec_set1('C');

    if (h->state == sw_raw) {
        cc = (h->kind == kind_script
              && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)) ? uc : lt;
        goto raw;
    }

text:

    for ( /* void */ ; p < e; p += ngx_http_rum_vec_len) {

        m = ngx_http_rum_vec_bits(ngx_http_rum_vec_eq(
                                      ngx_http_rum_vec_load(p), lt));

        for ( /* void */ ; m; m &= m - 1) {
            q = p + __builtin_ctz(m);
            c = q[1];

            if (!ngx_http_rum_head_lt_next[c]) {
                continue;
            }

            if (c == '/') {
                if ((h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
                    && ngx_http_rum_head_eq(q + 2, "head", 4)
                    && ngx_http_rum_head_delim[q[6]])
                {
                    h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
                    h->at = q - start;
                    h->next = q + 6 - start;
                    h->prev = q[5];
                    *pp = q + 6;
                    return NGX_HTTP_RUM_HEAD_FOUND;
                }

                continue;
            }

            if (c == '!') {
                if (q[2] == '-' && q[3] == '-') {
                    h->state = sw_comment;
                    *pp = q + 4;
                    return NGX_HTTP_RUM_HEAD_AGAIN;
                }

                /* <!DOCTYPE ...>, <![CDATA[ ...: text */
                continue;
            }

            /* a start tag whose name matters */

            n = ngx_http_rum_head_name(q + 1);

            if (n == name_none) {
                continue;
            }

            p = q + 1 + ngx_http_rum_head_names[n].len;

            if (n == name_body
                || (n == name_script
                    && (h->flags & NGX_HTTP_RUM_HEAD_FIND_SCRIPT)))
            {
                ngx_http_rum_head_tag(h, n);

                if (h->state == sw_text) {
                    /* <body> after the head */
                    goto text;
                }

                /* the attributes of body, or of a script with crossorigin */
                *pp = p;
                return NGX_HTTP_RUM_HEAD_AGAIN;
            }

            /* a script here is looked into for the loader (FIND_HEAD) */

            if (n == name_script) {
                h->kind = kind_script;
                cc = uc;

            } else {
                h->kind = kind_raw;
                cc = lt;
            }

            h->raw = n;
            h->crum = 0;
            h->state = sw_raw;

            goto raw;
        }
    }

    *pp = p;
    return NGX_HTTP_RUM_HEAD_AGAIN;

raw:

    /*
     * to the end tag, its name compared as one word; the loader may be in
     * a script's text or start tag (cc is "C" then, else "<" again)
     */

    len = ngx_http_rum_head_names[h->raw].len;
    rw = ngx_http_rum_head_names[h->raw].w;
    rmask = ngx_http_rum_head_names[h->raw].mask;

    while ((q = ngx_http_rum_head_chr2_w(&p, e, lt, cc)) != NULL) {

        p = q + 1;

        if (*q == '<') {

            if (q[1] != '/') {
                continue;
            }

            memcpy(&w, q + 2, 8);

            if (((w | 0x2020202020202020ULL) & rmask) == rw
                && ngx_http_rum_head_delim[q[2 + len]])
            {
                h->kind = 0;
                h->state = sw_text;
                p = q + 2 + len;
                goto text;
            }

            continue;
        }

        if (ngx_http_rum_head_crum_at(h, start, q)) {
            *pp = q + 5;
            return NGX_HTTP_RUM_HEAD_ALREADY;
        }
    }

    *pp = p;
    return NGX_HTTP_RUM_HEAD_AGAIN;
}


/*
 * The first byte from *pp on that is a or b, a vector read at a time while
 * *pp < e; NULL when there is none, with *pp where the reading stopped
 */

static ngx_http_rum_head_inline ngx_http_rum_head_target u_char *
ngx_http_rum_head_chr2_w(u_char **pp, u_char *e, ngx_http_rum_vec_t a,
    ngx_http_rum_vec_t b)
{
    u_char              *p;
    unsigned             m;
    ngx_http_rum_vec_t   v;

    for (p = *pp; p < e; p += ngx_http_rum_vec_len) {
        v = ngx_http_rum_vec_load(p);
        v = ngx_http_rum_vec_or(ngx_http_rum_vec_eq(v, a),
                                ngx_http_rum_vec_eq(v, b));
        m = ngx_http_rum_vec_bits(v);

        if (m) {
            return p + __builtin_ctz(m);
        }
    }

    *pp = p;

    return NULL;
}


#undef ngx_http_rum_head_fast_w
#undef ngx_http_rum_head_chr2_w
#undef ngx_http_rum_head_target
#undef ngx_http_rum_vec_t
#undef ngx_http_rum_vec_len
#undef ngx_http_rum_vec_set1
#undef ngx_http_rum_vec_load
#undef ngx_http_rum_vec_eq
#undef ngx_http_rum_vec_or
#undef ngx_http_rum_vec_bits
