
/*
 * ngx_http_rum_module: the incremental finder of "</head", "<body",
 * the loader already present, and cross-origin script tags.
 *
 * Most bytes of a page are text between tags: the finder jumps from "<" to
 * "<", 16 bytes at a time with SSE2 or 32 with AVX2 (the widest the CPU
 * has, see ngx_http_rum_head_vector()), and reads only tag names
 * byte by byte (the first letter tells most of them apart), and the
 * attributes of the few tags it cares about (script, body, the raw text
 * elements).  State survives between chunks, so a tag split anywhere is
 * found as if the page came in one piece.
 */


#include <stdint.h>
#include <string.h>

#if (defined __SSE2__)
#include <emmintrin.h>
#define NGX_HTTP_RUM_HEAD_SSE2  1

/* AVX2 where the compiler can build a function for it alone */
#if ((defined __x86_64__ || defined __i386__)                                 \
     && (defined __clang__ || __GNUC__ >= 5))
#include <immintrin.h>
#define NGX_HTTP_RUM_HEAD_AVX2  1
#endif
#endif

/* the helpers of the fast path go inline into each width's function */
#if (defined __GNUC__)
#define ngx_http_rum_head_inline  inline __attribute__((always_inline))
#else
#define ngx_http_rum_head_inline  inline
#endif

/* the bytes the fast path may read past a "<" or "C" it finds */
#define NGX_HTTP_RUM_HEAD_FAST_AFTER   16

/* the chunk left from which the fast path is worth entering */
#define NGX_HTTP_RUM_HEAD_FAST_MIN     64

#include "ngx_http_rum_head.h"


enum {
    sw_text = 0,
    sw_lt,
    sw_end_name,
    sw_end_delim,
    sw_end_tag_name,
    sw_start_name,
    sw_bang,
    sw_bang_dash,
    sw_bogus,
    sw_comment_start,
    sw_comment_start_dash,
    sw_comment,
    sw_comment_dash,
    sw_comment_dashes,
    sw_comment_bang,
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
    sw_raw_end_delim
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


#define ngx_http_rum_head_lower(c)                                            \
    (u_char) (((c) >= 'A' && (c) <= 'Z') ? ((c) | 0x20) : (c))

#define ngx_http_rum_head_space(c)                                            \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\f')

#define ngx_http_rum_head_quote(c)  ((c) == '"' || (c) == '\'')


/* the bytes that end a tag name: white space, "/" and ">" */
static const u_char  ngx_http_rum_head_delim[256] = {
    [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1,
    ['/'] = 1, ['>'] = 1
};


/* the first byte of a tag name: a letter */
#define ngx_http_rum_head_alpha(c)                                            \
    ((u_char) (((c) | 0x20) - 'a') < 26)


#if (NGX_HTTP_RUM_HEAD_SSE2)

/* the first letters of the start tag names that matter, either case */
static const u_char  ngx_http_rum_head_first[256] = {
    ['B'] = 1, ['I'] = 1, ['N'] = 1, ['S'] = 1, ['T'] = 1, ['X'] = 1,
    ['b'] = 1, ['i'] = 1, ['n'] = 1, ['s'] = 1, ['t'] = 1, ['x'] = 1
};

#endif


/* the start tags that matter, and the raw text elements among them */

enum {
    name_none = 0,
    name_script,
    name_style,
    name_title,
    name_textarea,
    name_body,
    name_noscript,
    name_noembed,
    name_noframes,
    name_iframe,
    name_xmp
};


#define ngx_http_rum_head_w2(a, b)                                            \
    ((uint64_t) (a) | (uint64_t) (b) << 8)
#define ngx_http_rum_head_w4(a, b, c, d)                                      \
    (ngx_http_rum_head_w2(a, b) | ngx_http_rum_head_w2(c, d) << 16)
#define ngx_http_rum_head_w8(a, b, c, d, e, f, g, i)                          \
    (ngx_http_rum_head_w4(a, b, c, d) | ngx_http_rum_head_w4(e, f, g, i) << 32)


/*
 * Their names, and the same as one word, the first byte lowest (see
 * ngx_http_rum_head_name()), and the bytes of the word that are the name's
 */

#define ngx_http_rum_head_n(name, len, w)                                     \
    { name, len, w, ~0ULL >> (64 - 8 * (len)) }

static const struct {
    const char  *name;
    size_t       len;
    uint64_t     w;
    uint64_t     mask;
} ngx_http_rum_head_names[] = {
    { "", 0, 0, 0 },
    ngx_http_rum_head_n("script", 6,
        ngx_http_rum_head_w8('s', 'c', 'r', 'i', 'p', 't', 0, 0)),
    ngx_http_rum_head_n("style", 5,
        ngx_http_rum_head_w8('s', 't', 'y', 'l', 'e', 0, 0, 0)),
    ngx_http_rum_head_n("title", 5,
        ngx_http_rum_head_w8('t', 'i', 't', 'l', 'e', 0, 0, 0)),
    ngx_http_rum_head_n("textarea", 8,
        ngx_http_rum_head_w8('t', 'e', 'x', 't', 'a', 'r', 'e', 'a')),
    ngx_http_rum_head_n("body", 4,
        ngx_http_rum_head_w8('b', 'o', 'd', 'y', 0, 0, 0, 0)),
    ngx_http_rum_head_n("noscript", 8,
        ngx_http_rum_head_w8('n', 'o', 's', 'c', 'r', 'i', 'p', 't')),
    ngx_http_rum_head_n("noembed", 7,
        ngx_http_rum_head_w8('n', 'o', 'e', 'm', 'b', 'e', 'd', 0)),
    ngx_http_rum_head_n("noframes", 8,
        ngx_http_rum_head_w8('n', 'o', 'f', 'r', 'a', 'm', 'e', 's')),
    ngx_http_rum_head_n("iframe", 6,
        ngx_http_rum_head_w8('i', 'f', 'r', 'a', 'm', 'e', 0, 0)),
    ngx_http_rum_head_n("xmp", 3,
        ngx_http_rum_head_w8('x', 'm', 'p', 0, 0, 0, 0, 0))
};


static inline u_char *ngx_http_rum_head_chr(u_char *p, u_char *last,
    u_char c);
#if (NGX_HTTP_RUM_HEAD_SSE2)
static int ngx_http_rum_head_fast16(ngx_http_rum_head_t *h, u_char *start,
    u_char **pp, u_char *last);
#if (NGX_HTTP_RUM_HEAD_AVX2)
static int ngx_http_rum_head_fast32(ngx_http_rum_head_t *h, u_char *start,
    u_char **pp, u_char *last) __attribute__((target("avx2")));
#endif
static ngx_http_rum_head_inline int ngx_http_rum_head_crum_at(
    ngx_http_rum_head_t *h, u_char *start, u_char *q);
#endif
static int ngx_http_rum_head_already(ngx_http_rum_head_t *h, u_char *start,
    u_char *p, u_char *q, u_char *last);
static int ngx_http_rum_head_crum(ngx_http_rum_head_t *h, u_char *start,
    u_char *p, u_char *last, int end);
static ngx_http_rum_head_inline unsigned ngx_http_rum_head_name(u_char *p);
static void ngx_http_rum_head_tag(ngx_http_rum_head_t *h, unsigned name);
static inline int ngx_http_rum_head_eq(u_char *p, const char *name,
    size_t len);
static int ngx_http_rum_head_value_end(ngx_http_rum_head_t *h);
static int ngx_http_rum_head_tag_end(ngx_http_rum_head_t *h, u_char *start,
    u_char *p);


#if (NGX_HTTP_RUM_HEAD_SSE2)

/* the fast path of the vector width in use */
static int (*ngx_http_rum_head_fast)(ngx_http_rum_head_t *h, u_char *start,
    u_char **pp, u_char *last) = ngx_http_rum_head_fast16;

#endif


size_t
ngx_http_rum_head_vector(size_t want)
{
#if (NGX_HTTP_RUM_HEAD_AVX2)

    if (want != 16) {
        __builtin_cpu_init();

        if (__builtin_cpu_supports("avx2")) {
            ngx_http_rum_head_fast = ngx_http_rum_head_fast32;
            return 32;
        }
    }

#endif

#if (NGX_HTTP_RUM_HEAD_SSE2)

    ngx_http_rum_head_fast = ngx_http_rum_head_fast16;
    return 16;

#else

    (void) want;
    return 0;

#endif
}


void
ngx_http_rum_head_init(ngx_http_rum_head_t *h, unsigned flags, u_char *src)
{
    memset(h, 0, sizeof(ngx_http_rum_head_t));

    h->flags = flags;
    h->state = sw_text;
    h->src = src;
}


int
ngx_http_rum_head_find(ngx_http_rum_head_t *h, u_char *p, u_char *last)
{
    int          rc;
    size_t       n;
    u_char      *start, *q, ch;
    const char  *name;

    start = p;

    while (p < last) {

#if (NGX_HTTP_RUM_HEAD_SSE2)

        if (last - p > NGX_HTTP_RUM_HEAD_FAST_MIN
            && (h->state == sw_text
                || (h->state == sw_raw && h->crum == 0)))
        {
            rc = ngx_http_rum_head_fast(h, start, &p, last);

            if (rc != NGX_HTTP_RUM_HEAD_AGAIN) {
                return rc;
            }

            if (p == last) {
                break;
            }
        }

#endif

        ch = *p;

        switch (h->state) {

        case sw_text:
            p = ngx_http_rum_head_chr(p, last, '<');

            if (p == last) {
                continue;
            }

            p++;
            h->state = sw_lt;
            continue;

        /* as the HTML tokenizer's tag open state */

        case sw_lt:

            if (ch == '/') {
                h->i = 0;
                h->state = sw_end_name;
                p++;
                continue;
            }

            if (ch == '!') {
                h->state = sw_bang;
                p++;
                continue;
            }

            if (ch == '?') {
                h->state = sw_bogus;
                p++;
                continue;
            }

            if (!ngx_http_rum_head_alpha(ch)) {
                h->state = sw_text;
                continue;
            }

            h->name_len = 0;
            h->state = sw_start_name;
            continue;

        /* "</": "</head", another end tag, or a bogus comment */

        case sw_end_name:

            if (h->i < 4 && (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
                && ngx_http_rum_head_lower(ch) == (u_char) "head"[h->i])
            {
                if (++h->i == 4) {
                    h->state = sw_end_delim;
                }

                p++;
                continue;
            }

            if (h->i == 0 && !ngx_http_rum_head_alpha(ch)) {
                /* "</>" is nothing, "</" and another byte a comment */
                h->state = (ch == '>') ? sw_text : sw_bogus;
                p++;
                continue;
            }

            h->state = sw_end_tag_name;
            continue;

        case sw_end_delim:

            if (ngx_http_rum_head_delim[ch]) {
                h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
                h->state = sw_text;
                h->at = (p - start) - NGX_HTTP_RUM_HEAD_MAX_HOLD;
                h->next = p - start;
                h->prev = (p > start) ? p[-1] : h->prev;
                return NGX_HTTP_RUM_HEAD_FOUND;
            }

            h->state = sw_end_tag_name;
            continue;

        case sw_end_tag_name:

            /* an end tag is read as a start tag that matters to nobody */

            if (ngx_http_rum_head_delim[ch]) {
                h->kind = 0;
                h->state = sw_attrs;
                continue;
            }

            p++;
            continue;

        case sw_start_name:

            if (!ngx_http_rum_head_delim[ch]) {
                if (h->name_len < sizeof(h->name)) {
                    h->name[h->name_len] = ngx_http_rum_head_lower(ch);
                }

                h->name_len++;
                p++;
                continue;
            }

            /* the name ends here, at white space, "/" or ">" */

            if (h->name_len < sizeof(h->name)) {
                h->name[h->name_len] = ' ';
                n = ngx_http_rum_head_name(h->name);

            } else {
                n = name_none;
            }

            ngx_http_rum_head_tag(h, n);
            continue;

        /* "<!": a comment, or a bogus comment (a doctype, CDATA) */

        case sw_bang:

            if (ch == '-') {
                h->state = sw_bang_dash;
                p++;
                continue;
            }

            h->state = sw_bogus;
            continue;

        case sw_bang_dash:

            if (ch == '-') {
                h->state = sw_comment_start;
                p++;
                continue;
            }

            h->state = sw_bogus;
            continue;

        case sw_bogus:
            p = ngx_http_rum_head_chr(p, last, '>');

            if (p == last) {
                continue;
            }

            p++;
            h->state = sw_text;
            continue;

        /* comments: "<!-->" and "<!--->" end at once, "--!>" ends too */

        case sw_comment_start:

            if (ch == '>') {
                h->state = sw_text;
                p++;
                continue;
            }

            if (ch == '-') {
                h->state = sw_comment_start_dash;
                p++;
                continue;
            }

            h->state = sw_comment;
            continue;

        case sw_comment_start_dash:

            if (ch == '>') {
                h->state = sw_text;
                p++;
                continue;
            }

            h->state = (ch == '-') ? sw_comment_dashes : sw_comment;
            p++;
            continue;

        case sw_comment:
            p = ngx_http_rum_head_chr(p, last, '-');

            if (p == last) {
                continue;
            }

            p++;
            h->state = sw_comment_dash;
            continue;

        case sw_comment_dash:
            h->state = (ch == '-') ? sw_comment_dashes : sw_comment;
            p++;
            continue;

        case sw_comment_dashes:

            if (ch == '>') {
                h->state = sw_text;

            } else if (ch == '!') {
                h->state = sw_comment_bang;

            } else if (ch != '-') {
                h->state = sw_comment;
            }

            p++;
            continue;

        case sw_comment_bang:

            if (ch == '>') {
                h->state = sw_text;

            } else {
                h->state = (ch == '-') ? sw_comment_dash : sw_comment;
            }

            p++;
            continue;

        /*
         * the attributes of a tag, as the tokenizer reads them: only a
         * value says which quote ends it (the attribute states merged where
         * they agree: "/" and white space between attributes are alike)
         */

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
                p = ngx_http_rum_head_chr(p, last,
                                          h->state == sw_value_dq ? '"' : '\'');
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

            if (h->in_src && h->src_len < NGX_HTTP_RUM_HEAD_HOST_LEN) {
                h->src[h->src_len++] = ch;
            }

            p++;
            continue;

        /* the text of script, style, title, ... up to its end tag */

        case sw_raw:

            q = ngx_http_rum_head_chr(p, last, '<');

            if (ngx_http_rum_head_already(h, start, p, q, last)) {
                return NGX_HTTP_RUM_HEAD_ALREADY;
            }

            if (q == last) {
                p = q;
                continue;
            }

            /* "</name" and its delimiter in this chunk: checked at once */

            name = ngx_http_rum_head_names[h->raw].name;
            n = ngx_http_rum_head_names[h->raw].len;

            if ((size_t) (last - q) > n + 2) {
                p = q + 1;

                if (*p == '/' && ngx_http_rum_head_eq(p + 1, name, n)
                    && ngx_http_rum_head_delim[p[1 + n]])
                {
                    /* the end tag's attributes, if any, to its ">" */
                    h->kind = 0;
                    h->state = sw_attrs;
                    p += 1 + n;
                }

                continue;
            }

            h->state = sw_raw_lt;
            p = q + 1;
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

            if (ngx_http_rum_head_lower(ch)
                == (u_char) ngx_http_rum_head_names[h->raw].name[h->i])
            {
                if (++h->i == ngx_http_rum_head_names[h->raw].len) {
                    h->state = sw_raw_end_delim;
                }

                p++;
                continue;
            }

            h->state = sw_raw;
            continue;

        case sw_raw_end_delim:

            if (ngx_http_rum_head_delim[ch]) {
                h->kind = 0;
                h->state = sw_attrs;
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


/*
 * The rest of a chunk, past the fast path's reach or without SSE2: the
 * first c in p..last, or last
 */

static inline u_char *
ngx_http_rum_head_chr(u_char *p, u_char *last, u_char c)
{
    p = memchr(p, c, last - p);

    return (p == NULL) ? last : p;
}


#if (NGX_HTTP_RUM_HEAD_SSE2)

/*
 * A "C" at q, with NGX_HTTP_RUM_HEAD_FAST_AFTER bytes after it: 1 when
 * it begins "CRUM" between quotes, the loader's id; the search for
 * "</head" ends there
 */

static ngx_http_rum_head_inline int
ngx_http_rum_head_crum_at(ngx_http_rum_head_t *h, u_char *start, u_char *q)
{
    u_char  c;

    c = (q > start) ? q[-1] : h->prev;

    if (!ngx_http_rum_head_quote(c)
        || q[1] != 'R' || q[2] != 'U' || q[3] != 'M' || q[4] != c)
    {
        return 0;
    }

    h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
    h->prev = c;
    h->next = q + 5 - start;

    return 1;
}



/* the fast path, 16 bytes at a time */

#define ngx_http_rum_head_fast_w      ngx_http_rum_head_fast16
#define ngx_http_rum_head_chr2_w      ngx_http_rum_head_chr2_16
#define ngx_http_rum_head_target
#define ngx_http_rum_vec_t            __m128i
#define ngx_http_rum_vec_len          16
#define ngx_http_rum_vec_set1(c)      _mm_set1_epi8(c)
#define ngx_http_rum_vec_load(p)      _mm_loadu_si128((const __m128i *) (p))
#define ngx_http_rum_vec_eq(a, b)     _mm_cmpeq_epi8(a, b)
#define ngx_http_rum_vec_or(a, b)     _mm_or_si128(a, b)
#define ngx_http_rum_vec_bits(v)      (unsigned) _mm_movemask_epi8(v)

#include "ngx_http_rum_head_fast.h"


#if (NGX_HTTP_RUM_HEAD_AVX2)

/* and 32 bytes at a time, for CPUs with AVX2 */

#define ngx_http_rum_head_fast_w      ngx_http_rum_head_fast32
#define ngx_http_rum_head_chr2_w      ngx_http_rum_head_chr2_32
#define ngx_http_rum_head_target      __attribute__((target("avx2")))
#define ngx_http_rum_vec_t            __m256i
#define ngx_http_rum_vec_len          32
#define ngx_http_rum_vec_set1(c)      _mm256_set1_epi8(c)
#define ngx_http_rum_vec_load(p)                                              \
    _mm256_loadu_si256((const __m256i *) (p))
#define ngx_http_rum_vec_eq(a, b)     _mm256_cmpeq_epi8(a, b)
#define ngx_http_rum_vec_or(a, b)     _mm256_or_si256(a, b)
#define ngx_http_rum_vec_bits(v)      (unsigned) _mm256_movemask_epi8(v)

#include "ngx_http_rum_head_fast.h"

#endif

#endif


/*
 * In a script's text or start tag, p..q (q == last: the chunk ended there):
 * does it carry the snippet already?  Then the search for "</head" stops.
 */

static int
ngx_http_rum_head_already(ngx_http_rum_head_t *h, u_char *start, u_char *p,
    u_char *q, u_char *last)
{
    if (h->kind != kind_script
        || !(h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
        || !ngx_http_rum_head_crum(h, start, p, q, q == last))
    {
        return 0;
    }

    h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
    h->prev = (q > start) ? q[-1] : h->prev;
    h->next = q - start;

    return 1;
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
        c = ngx_http_rum_head_chr(p, last, 'C');

        if (c == last) {
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


/* the name n at p, w being p's first 8 bytes made lowercase */

#define ngx_http_rum_head_is(w, p, n)                                         \
    (((w) & ngx_http_rum_head_names[n].mask) == ngx_http_rum_head_names[n].w  \
     && ngx_http_rum_head_delim[(p)[ngx_http_rum_head_names[n].len]])


/*
 * The start tag name at p (9 bytes readable) when it matters, else
 * name_none; any case: "| 0x20" makes a letter lowercase and no other
 * byte a letter.  A tag name goes on to white space, "/" or ">".
 */

static ngx_http_rum_head_inline unsigned
ngx_http_rum_head_name(u_char *p)
{
    uint64_t  w;

    /* the first byte lowest, as in the names' words */

#if (defined __BYTE_ORDER__ && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
    memcpy(&w, p, 8);
#else
    w = (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16
        | (uint64_t) p[3] << 24 | (uint64_t) p[4] << 32
        | (uint64_t) p[5] << 40 | (uint64_t) p[6] << 48
        | (uint64_t) p[7] << 56;
#endif

    w |= 0x2020202020202020ULL;

    switch ((u_char) w) {

    case 's':
        return ngx_http_rum_head_is(w, p, name_script) ? name_script
               : ngx_http_rum_head_is(w, p, name_style) ? name_style
               : name_none;

    case 't':
        return ngx_http_rum_head_is(w, p, name_title) ? name_title
               : ngx_http_rum_head_is(w, p, name_textarea) ? name_textarea
               : name_none;

    case 'b':
        return ngx_http_rum_head_is(w, p, name_body) ? name_body : name_none;

    case 'n':
        return ngx_http_rum_head_is(w, p, name_noscript) ? name_noscript
               : ngx_http_rum_head_is(w, p, name_noembed) ? name_noembed
               : ngx_http_rum_head_is(w, p, name_noframes) ? name_noframes
               : name_none;

    case 'i':
        return ngx_http_rum_head_is(w, p, name_iframe) ? name_iframe
                                                       : name_none;

    case 'x':
        return ngx_http_rum_head_is(w, p, name_xmp) ? name_xmp : name_none;
    }

    return name_none;
}


/*
 * The name of a start tag is read: its attributes come next, and at its
 * ">" (ngx_http_rum_head_tag_end()) what the tag is for
 */

static void
ngx_http_rum_head_tag(ngx_http_rum_head_t *h, unsigned name)
{
    h->kind = 0;
    h->has_crossorigin = 0;
    h->in_src = 0;
    h->src_len = 0;
    h->state = sw_attrs;

    switch (name) {

    case name_none:
        return;

    case name_body:

        if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {
            h->kind = kind_body;
        }

        return;

    case name_script:
        h->kind = kind_script;
        break;

    default:
        /* the elements whose content is text up to their own end tag */
        h->kind = kind_raw;
    }

    h->raw = name;
    h->crum = 0;
}


/*
 * p (any case) is the lowercase name, all letters: "| 0x20" turns only
 * the upper case of a letter into that letter
 */

static inline int
ngx_http_rum_head_eq(u_char *p, const char *name, size_t len)
{
    uint32_t  a, b;

    if (len < 4) {
        while (len--) {
            if ((u_char) (*p++ | 0x20) != (u_char) *name++) {
                return 0;
            }
        }

        return 1;
    }

    /* the first and the last four bytes (they overlap up to 8) */

    memcpy(&a, p, 4);
    memcpy(&b, name, 4);

    if ((a | 0x20202020) != b) {
        return 0;
    }

    memcpy(&a, p + len - 4, 4);
    memcpy(&b, name + len - 4, 4);

    return (a | 0x20202020) == b;
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

    if (a == s || (a == e && h->src_len == NGX_HTTP_RUM_HEAD_HOST_LEN)) {
        /* no host, or it may go on past what was kept */
        return NGX_HTTP_RUM_HEAD_AGAIN;
    }

    h->host = s;
    h->host_len = a - s;
    h->at = p - start;
    h->next = p + 1 - start;

    return NGX_HTTP_RUM_HEAD_SCRIPT;
}
