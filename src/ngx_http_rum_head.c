
/*
 * ngx_http_rum_module: the incremental finder of "</head", "<body",
 * the loader already present, and cross-origin script tags.
 *
 * Most bytes of a page are text between tags: the finder jumps from "<" to
 * "<" with memchr() and reads only tag names byte by byte, and the
 * attributes of the few tags it cares about (script, body, the raw text
 * elements).  State survives between chunks, so a tag split anywhere is
 * found as if the page came in one piece.
 */


#include <string.h>

#include "ngx_http_rum_head.h"


enum {
    sw_text = 0,
    sw_lt,
    sw_end_name,
    sw_end_delim,
    sw_start_name,
    sw_bang,
    sw_bang_dash,
    sw_comment,
    sw_comment_dash,
    sw_comment_dashes,
    sw_attrs,
    sw_attr_name,
    sw_after_attr_name,
    sw_before_value,
    sw_value_dq,
    sw_value_sq,
    sw_value_unq,
    sw_raw,
    sw_raw_lt,
    sw_raw_end,
    sw_raw_end_delim,
    sw_tag_fast
};


enum {
    kind_body = 1,
    kind_script,
    kind_raw
};


enum {
    attr_other = 0,
    attr_src,
    attr_crossorigin
};


typedef struct {
    const char  *name;
    size_t       len;
} ngx_http_rum_head_raw_t;


/* elements whose content is text up to their own end tag */
static ngx_http_rum_head_raw_t  ngx_http_rum_head_raw[] = {
    { "style", 5 },
    { "title", 5 },
    { "textarea", 8 },
    { "noscript", 8 },
    { "xmp", 3 },
    { "iframe", 6 },
    { "noembed", 7 },
    { "noframes", 8 },
    { NULL, 0 }
};


#define ngx_http_rum_head_lower(c)                                            \
    (u_char) (((c) >= 'A' && (c) <= 'Z') ? ((c) | 0x20) : (c))

#define ngx_http_rum_head_space(c)                                            \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\f')

#define ngx_http_rum_head_quote(c)  ((c) == '"' || (c) == '\'')


static int ngx_http_rum_head_crum(ngx_http_rum_head_t *h, u_char *start,
    u_char *p, u_char *last, int end);
static void ngx_http_rum_head_tag(ngx_http_rum_head_t *h);
static int ngx_http_rum_head_value_end(ngx_http_rum_head_t *h);
static int ngx_http_rum_head_tag_end(ngx_http_rum_head_t *h, u_char *start,
    u_char *p);


void
ngx_http_rum_head_init(ngx_http_rum_head_t *h, unsigned flags)
{
    memset(h, 0, sizeof(ngx_http_rum_head_t));

    h->flags = flags;
    h->state = sw_text;
}


int
ngx_http_rum_head_find(ngx_http_rum_head_t *h, u_char *p, u_char *last)
{
    int      rc;
    u_char  *start, *q, ch;

    start = p;

    while (p < last) {

        ch = *p;

        switch (h->state) {

        case sw_text:
            q = memchr(p, '<', last - p);

            if (q == NULL) {
                p = last;
                continue;
            }

            p = q + 1;
            h->state = sw_lt;
            continue;

        case sw_lt:

            if (ch == '/') {
                if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {
                    h->i = 0;
                    h->state = sw_end_name;

                } else {
                    h->state = sw_text;
                }

                p++;
                continue;
            }

            if (ch == '!') {
                h->state = sw_bang;
                p++;
                continue;
            }

            ch = ngx_http_rum_head_lower(ch);

            /*
             * only script, style, body, title, textarea, noscript, noembed,
             * noframes, xmp and iframe matter: the other tags are skipped
             * without reading their names
             */

            if (ch == 's' || ch == 'b' || ch == 't' || ch == 'n'
                || ch == 'x' || ch == 'i')
            {
                h->name[0] = ch;
                h->name_len = 1;
                h->state = sw_start_name;
                p++;
                continue;
            }

            h->state = sw_text;
            continue;

        case sw_end_name:

            if (ngx_http_rum_head_lower(ch) == (u_char) "head"[h->i]) {
                if (++h->i == 4) {
                    h->state = sw_end_delim;
                }

                p++;
                continue;
            }

            h->state = sw_text;
            continue;

        case sw_end_delim:

            if (ngx_http_rum_head_space(ch) || ch == '/' || ch == '>') {
                h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
                h->state = sw_text;
                h->at = (p - start) - NGX_HTTP_RUM_HEAD_MAX_HOLD;
                h->next = p - start;
                h->prev = (p > start) ? p[-1] : h->prev;
                return NGX_HTTP_RUM_HEAD_FOUND;
            }

            h->state = sw_text;
            continue;

        case sw_start_name:

            ch = ngx_http_rum_head_lower(ch);

            if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
                if (h->name_len < sizeof(h->name)) {
                    h->name[h->name_len] = ch;
                }

                h->name_len++;
                p++;
                continue;
            }

            ngx_http_rum_head_tag(h);
            continue;

        case sw_bang:

            if (ch == '-') {
                h->state = sw_bang_dash;
                p++;
                continue;
            }

            h->state = sw_text;
            continue;

        case sw_bang_dash:

            if (ch == '-') {
                h->state = sw_comment;
                p++;
                continue;
            }

            h->state = sw_text;
            continue;

        case sw_comment:
            q = memchr(p, '-', last - p);

            if (q == NULL) {
                p = last;
                continue;
            }

            p = q + 1;
            h->state = sw_comment_dash;
            continue;

        case sw_comment_dash:
            h->state = (ch == '-') ? sw_comment_dashes : sw_comment;
            p++;
            continue;

        case sw_comment_dashes:

            if (ch == '>') {
                h->state = sw_text;

            } else if (ch != '-') {
                h->state = sw_comment;
            }

            p++;
            continue;

        /* the attributes of a start tag we care about */

        case sw_attrs:

            if (ngx_http_rum_head_space(ch) || ch == '/') {
                p++;
                continue;
            }

            if (ch == '>') {
                rc = ngx_http_rum_head_tag_end(h, start, p);
                p++;

                if (rc != NGX_HTTP_RUM_HEAD_AGAIN) {
                    h->prev = p[-1];
                    return rc;
                }

                continue;
            }

            h->name[0] = ngx_http_rum_head_lower(ch);
            h->name_len = 1;
            h->state = sw_attr_name;
            p++;
            continue;

        case sw_attr_name:

            if (ngx_http_rum_head_space(ch) || ch == '/' || ch == '='
                || ch == '>')
            {
                h->attr = attr_other;

                if (h->kind == kind_script) {
                    if (h->name_len == 3
                        && memcmp(h->name, "src", 3) == 0)
                    {
                        h->attr = attr_src;

                    } else if (h->name_len == 11
                               && memcmp(h->name, "crossorigin", 11) == 0)
                    {
                        h->attr = attr_crossorigin;
                        h->has_crossorigin = 1;
                    }
                }

                h->state = (ch == '=') ? sw_before_value : sw_after_attr_name;

                if (ch == '=') {
                    p++;
                }

                continue;
            }

            if (h->name_len < sizeof(h->name)) {
                h->name[h->name_len] = ngx_http_rum_head_lower(ch);
            }

            h->name_len++;
            p++;
            continue;

        case sw_after_attr_name:

            if (ngx_http_rum_head_space(ch)) {
                p++;
                continue;
            }

            if (ch == '=') {
                h->state = sw_before_value;
                p++;
                continue;
            }

            h->state = sw_attrs;
            continue;

        case sw_before_value:

            if (ngx_http_rum_head_space(ch)) {
                p++;
                continue;
            }

            if (ch == '>') {
                h->state = sw_attrs;
                continue;
            }

            h->in_src = (h->attr == attr_src);
            h->src_len = 0;
            h->crum = 0;

            if (ch == '"') {
                h->state = sw_value_dq;
                p++;
                continue;
            }

            if (ch == '\'') {
                h->state = sw_value_sq;
                p++;
                continue;
            }

            h->crum = 5;    /* an unquoted value is not 'CRUM' */
            h->state = sw_value_unq;
            continue;

        case sw_value_dq:
        case sw_value_sq:

            if (ch == (h->state == sw_value_dq ? '"' : '\'')) {
                p++;
                h->state = sw_attrs;

                if (ngx_http_rum_head_value_end(h)) {
                    h->prev = p[-1];
                    h->next = p - start;
                    return NGX_HTTP_RUM_HEAD_ALREADY;
                }

                continue;
            }

            if (h->kind != kind_script) {
                q = memchr(p, h->state == sw_value_dq ? '"' : '\'', last - p);
                p = (q == NULL) ? last : q;
                continue;
            }

            /* fall through */

        case sw_value_unq:

            if (h->state == sw_value_unq) {
                if (ngx_http_rum_head_space(ch) || ch == '>') {
                    h->state = sw_attrs;
                    (void) ngx_http_rum_head_value_end(h);
                    continue;
                }
            }

            if (h->crum < 4 && ch == (u_char) "CRUM"[h->crum]) {
                h->crum++;

            } else {
                h->crum = 5;
            }

            if (h->in_src && h->src_len < sizeof(h->src)) {
                h->src[h->src_len++] = ch;
            }

            p++;
            continue;

        /* the text of script, style, title, ... up to its end tag */

        case sw_raw:
            q = memchr(p, '<', last - p);

            if (q == NULL) {
                q = last;
            }

            if (h->kind == kind_script
                && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
                && ngx_http_rum_head_crum(h, start, p, q, q == last))
            {
                h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
                h->prev = (q > start) ? q[-1] : h->prev;
                h->next = q - start;
                return NGX_HTTP_RUM_HEAD_ALREADY;
            }

            if (q < last) {
                h->state = sw_raw_lt;
                q++;
            }

            p = q;
            continue;

        case sw_raw_lt:

            if (ch == '/') {
                h->i = 0;
                h->state = sw_raw_end;
                p++;
                continue;
            }

            h->state = sw_raw;
            continue;

        case sw_raw_end:

            if (ngx_http_rum_head_lower(ch) == (u_char) h->raw[h->i]) {
                if (++h->i == h->raw_len) {
                    h->state = sw_raw_end_delim;
                }

                p++;
                continue;
            }

            h->state = sw_raw;
            continue;

        /* a start tag read fast: up to ">", looking only for CRUM */

        case sw_tag_fast:
            q = memchr(p, '>', last - p);

            if (q == NULL) {
                q = last;
            }

            if (h->kind == kind_script
                && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
                && ngx_http_rum_head_crum(h, start, p, q, q == last))
            {
                h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
                h->prev = (q > start) ? q[-1] : h->prev;
                h->next = q - start;
                return NGX_HTTP_RUM_HEAD_ALREADY;
            }

            if (q < last) {
                h->crum = 0;
                h->state = sw_raw;
                q++;
            }

            p = q;
            continue;

        case sw_raw_end_delim:

            if (ngx_http_rum_head_space(ch) || ch == '/' || ch == '>') {
                h->kind = 0;
                h->state = sw_text;
                p++;
                continue;
            }

            h->state = sw_raw;
            continue;
        }
    }

    h->prev = (last > start) ? last[-1] : h->prev;
    h->hold = 0;

    if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {

        switch (h->state) {

        case sw_lt:
            h->hold = 1;
            break;

        case sw_end_name:
            h->hold = 2 + h->i;
            break;

        case sw_end_delim:
            h->hold = NGX_HTTP_RUM_HEAD_MAX_HOLD;
            break;
        }
    }

    return NGX_HTTP_RUM_HEAD_AGAIN;
}


/* "CRUM" or 'CRUM' in script text p..last; the match may span chunks */

static int
ngx_http_rum_head_crum(ngx_http_rum_head_t *h, u_char *start, u_char *p,
    u_char *last, int end)
{
    u_char  *c, q;

    /* a match that the previous chunk began */

    while (h->crum && p < last) {

        if (h->crum < 5) {
            if (*p != (u_char) "CRUM"[h->crum - 1]) {
                h->crum = 0;
                break;
            }

            h->crum++;

        } else {
            if (*p == h->quote) {
                h->crum = 0;
                return 1;
            }

            h->crum = 0;
            break;
        }

        p++;
    }

    if (p == last) {
        if (!end) {
            h->crum = 0;
        }

        return 0;
    }

    h->crum = 0;

    for ( ;; ) {
        c = memchr(p, 'C', last - p);

        if (c == NULL) {
            break;
        }

        q = (c > start) ? c[-1] : h->prev;

        if (ngx_http_rum_head_quote(q)) {

            for (p = c + 1; p < last && p < c + 4; p++) {
                if (*p != (u_char) "RUM"[p - c - 1]) {
                    break;
                }
            }

            if (p == c + 4 && p < last && *p == q) {
                return 1;
            }

            if (p == last) {
                if (end) {
                    /* the chunk ends inside a possible match */
                    h->crum = 1 + (p - c);
                    h->quote = q;
                }

                return 0;
            }
        }

        p = c + 1;
    }

    return 0;
}


/* the name of a start tag is read: what to do with the tag */

static void
ngx_http_rum_head_tag(ngx_http_rum_head_t *h)
{
    size_t                    len;
    ngx_http_rum_head_raw_t  *raw;

    len = h->name_len;

    h->kind = 0;
    h->has_crossorigin = 0;
    h->in_src = 0;
    h->src_len = 0;
    h->state = sw_text;

    if (len > sizeof(h->name)) {
        return;
    }

    if (len == 6 && memcmp(h->name, "script", 6) == 0) {
        if (h->flags & (NGX_HTTP_RUM_HEAD_FIND_HEAD
                        |NGX_HTTP_RUM_HEAD_FIND_SCRIPT))
        {
            h->kind = kind_script;
            h->raw = "script";
            h->raw_len = 6;
            h->crum = 0;

            /* the attributes matter only for crossorigin */
            h->state = (h->flags & NGX_HTTP_RUM_HEAD_FIND_SCRIPT)
                       ? sw_attrs : sw_tag_fast;
        }

        return;
    }

    if (len == 4 && memcmp(h->name, "body", 4) == 0) {
        if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {
            h->kind = kind_body;
            h->state = sw_attrs;
        }

        return;
    }

    for (raw = ngx_http_rum_head_raw; raw->name; raw++) {
        if (len == raw->len && memcmp(h->name, raw->name, len) == 0) {
            h->kind = kind_raw;
            h->raw = raw->name;
            h->raw_len = raw->len;
            h->state = sw_tag_fast;
            return;
        }
    }
}


/* a quoted attribute value ended: 1 when it is the loader's id "CRUM" */

static int
ngx_http_rum_head_value_end(ngx_http_rum_head_t *h)
{
    h->in_src = 0;

    if (h->kind == kind_script && h->crum == 4
        && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD))
    {
        h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
        h->crum = 0;
        return 1;
    }

    h->crum = 0;

    return 0;
}


/* the ">" of a start tag we care about, at p */

static int
ngx_http_rum_head_tag_end(ngx_http_rum_head_t *h, u_char *start, u_char *p)
{
    u_char  *s, *e, *a;

    switch (h->kind) {

    case kind_body:
        h->kind = 0;
        h->state = sw_text;
        h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
        h->at = p + 1 - start;
        h->next = p + 1 - start;
        return NGX_HTTP_RUM_HEAD_BODY;

    case kind_raw:
        h->state = sw_raw;
        return NGX_HTTP_RUM_HEAD_AGAIN;

    case kind_script:
        h->state = sw_raw;
        h->crum = 0;
        break;

    default:
        h->state = sw_text;
        return NGX_HTTP_RUM_HEAD_AGAIN;
    }

    if (!(h->flags & NGX_HTTP_RUM_HEAD_FIND_SCRIPT)
        || h->has_crossorigin || h->src_len == 0)
    {
        return NGX_HTTP_RUM_HEAD_AGAIN;
    }

    /* the host of "https://host/...", "http://host/..." or "//host/..." */

    s = h->src;
    e = h->src + h->src_len;

    while (s < e && ngx_http_rum_head_space(*s)) {
        s++;
    }

    for (a = s; a < e && *a != ':' && *a != '/'; a++) {
        *a = ngx_http_rum_head_lower(*a);
    }

    if (a < e && *a == ':'
        && ((a - s == 5 && memcmp(s, "https", 5) == 0)
            || (a - s == 4 && memcmp(s, "http", 4) == 0)))
    {
        s = a + 1;
    }

    if (e - s < 3 || s[0] != '/' || s[1] != '/') {
        return NGX_HTTP_RUM_HEAD_AGAIN;
    }

    s += 2;

    for (a = s; a < e; a++) {
        if (*a == '/' || *a == '?' || *a == '#' || *a == '\\'
            || ngx_http_rum_head_space(*a))
        {
            break;
        }

        *a = ngx_http_rum_head_lower(*a);
    }

    if (a == s || (a == e && h->src_len == sizeof(h->src))) {
        /* no host, or it may go on past what was kept */
        return NGX_HTTP_RUM_HEAD_AGAIN;
    }

    h->host = s;
    h->host_len = a - s;
    h->at = p - start;
    h->next = p + 1 - start;

    return NGX_HTTP_RUM_HEAD_SCRIPT;
}
