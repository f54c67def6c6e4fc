
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
 * The states most bytes are read in, fast: text, the tags in it, and a raw
 * text element (script, style, ...) to its end tag, a vector at a time,
 * while a "<" or "C" found leaves NGX_HTTP_RUM_HEAD_FAST_AFTER bytes to
 * read after it.  A tag is read as the tokenizer reads it: its name to
 * white space, "/" or ">", then from "=" to "=" (a value when a name came
 * before it: quoted to its quote, or unquoted to white space or ">") to its
 * ">".  Returns an event, or AGAIN with *pp where the state machine reads
 * on: near the end of the chunk (from the "<" of a tag not read whole), or
 * in a state of its own (a comment, the attributes of <body> or of a
 * script with rum_crossorigin).
 */

static ngx_http_rum_head_target int
ngx_http_rum_head_fast_w(ngx_http_rum_head_t *h, u_char *start, u_char **pp,
    u_char *last)
{
    u_char              *p, *q, *e, *t, *s, *r, *v, *z, c;
    size_t               len;
    uint64_t             w, rw, rmask;
    unsigned             m, n, an;
    ngx_http_rum_vec_t   lt, uc, cc, eq, gt, x;

    p = *pp;
    e = last - ngx_http_rum_vec_len - NGX_HTTP_RUM_HEAD_FAST_AFTER;
    lt = ngx_http_rum_vec_set1('<');
    uc = ngx_http_rum_vec_set1('C');
    eq = ngx_http_rum_vec_set1('=');
    gt = ngx_http_rum_vec_set1('>');
    cc = lt;
    q = p;

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

                if (ngx_http_rum_head_alpha(q[2])) {
                    /* another end tag, read as a tag of no interest */
                    h->kind = 0;
                    t = q + 3;
                    goto name;
                }

                if (q[2] == '>') {
                    continue;
                }

                t = q + 2;
                goto bogus;
            }

            if (c == '!') {
                if (q[2] == '-' && q[3] == '-') {
                    h->state = sw_comment_start;
                    *pp = q + 4;
                    return NGX_HTTP_RUM_HEAD_AGAIN;
                }

                /* <!DOCTYPE ...>, <![CDATA[ ...: to the first ">" */
                t = q + 2;
                goto bogus;
            }

            if (c == '?') {
                t = q + 2;
                goto bogus;
            }

            if (!ngx_http_rum_head_alpha(c)) {
                continue;
            }

            n = ngx_http_rum_head_first[c] ? ngx_http_rum_head_name(q + 1)
                                           : name_none;

            if (n == name_none) {
                h->kind = 0;
                t = q + 2;
                goto name;
            }

            t = q + 1 + ngx_http_rum_head_names[n].len;

            ngx_http_rum_head_tag(h, n);

            if (h->kind == kind_body
                || (h->kind == kind_script
                    && (h->flags & NGX_HTTP_RUM_HEAD_FIND_SCRIPT)))
            {
                /* the attributes of body, or of a script with crossorigin */
                *pp = t;
                return NGX_HTTP_RUM_HEAD_AGAIN;
            }

            /* a script here is looked into for the loader (FIND_HEAD) */

            cc = (h->kind == kind_script
                  && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)) ? uc : lt;

            goto tag;
        }
    }

    *pp = p;
    return NGX_HTTP_RUM_HEAD_AGAIN;

name:

    /* the rest of a tag name of no interest */

    while (t < e && !ngx_http_rum_head_delim[*t]) {
        t++;
    }

    if (t >= e) {
        goto again;
    }

tag:

    /*
     * from t, after the name: to the next "=" or ">"; an: a name is
     * pending, its "=" begins a value; s: where the bytes since the last
     * name or value begin
     */

    an = 0;

    for ( ;; ) {

        s = t;

        if (*t == '>') {
            /* no attribute, or none after a value: most tags end so */
            t++;
            goto tag_end;
        }

        z = ngx_http_rum_head_chr2_w(&t, e, eq, gt);

        if (z == NULL) {
            goto again;
        }

        if (*z == '>') {
            t = z + 1;
            goto tag_end;
        }

        /*
         * the bytes before it are names, white space and "/": a name is
         * pending when the last that is not white space is not "/"
         */

        for (r = z; r > s && ngx_http_rum_head_space(r[-1]); r--) {
            /* void */
        }

        if (r > s) {
            an = (r[-1] != '/');
        }

        t = z + 1;

        if (!an) {
            /* "=" where a name begins is a byte of the name */
            an = 1;
            continue;
        }

        /* a value */

        while (t < e && ngx_http_rum_head_space(*t)) {
            t++;
        }

        if (t >= e) {
            goto again;
        }

        c = *t;
        an = 0;

        if (c == '"' || c == '\'') {
            v = ++t;
            x = ngx_http_rum_vec_set1((char) c);
            z = ngx_http_rum_head_chr2_w(&t, e, x, x);

            if (z == NULL) {
                goto again;
            }

            if (z - v == 4 && h->kind == kind_script
                && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
                && memcmp(v, "CRUM", 4) == 0)
            {
                /* the loader's id; the rest of the tag is read on */
                h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
                h->state = sw_attrs;
                h->crum = 0;
                h->prev = c;
                h->next = z + 1 - start;
                *pp = z + 1;
                return NGX_HTTP_RUM_HEAD_ALREADY;
            }

            t = z + 1;
            continue;
        }

        /* unquoted, to white space or ">" */

        while (t < e && !ngx_http_rum_head_space(*t) && *t != '>') {
            t++;
        }

        if (t >= e) {
            goto again;
        }

        if (*t == '>') {
            t++;
            goto tag_end;
        }
    }

tag_end:

    /* after the ">" of the tag */

    p = t;

    if (h->kind == 0) {
        h->state = sw_text;
        goto text;
    }

    h->state = sw_raw;
    h->crum = 0;

raw:

    /*
     * to the end tag, its name compared as one word; the loader may be in
     * a script's text (cc is "C" then, else "<" again)
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
                /* the end tag: its attributes, if any, to its ">" */
                h->kind = 0;
                h->state = sw_text;
                t = q + 2 + len;
                goto tag;
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

again:

    /* the tag that began at q goes on past the fast path's reach */

    h->state = sw_lt;
    *pp = q + 1;
    return NGX_HTTP_RUM_HEAD_AGAIN;

bogus:

    r = t;
    z = ngx_http_rum_head_chr2_w(&r, e, gt, gt);

    if (z == NULL) {
        goto again;
    }

    p = z + 1;
    goto text;
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
