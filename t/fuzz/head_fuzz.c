
/*
 * libFuzzer target of the </head> finder (src/ngx_http_rum_head.c).
 *
 * The first two bytes of the input choose the finder's flags and a seed
 * for the chunking; the rest is the document.  The document is fed in one
 * piece, read with the widest vectors the CPU has, and in pseudo-random
 * chunks (1 to 160 bytes, each in its own allocation so that ASan sees any
 * read past a chunk), read with SSE2's or the widest as the seed says, and
 * both runs must report the same events at the same places.  The events
 * are checked against the document too: FOUND at "</head" + a delimiter,
 * BODY right after a ">", SCRIPT at a ">", and what the finder asks to
 * hold is the start of "</head".  And the first event of the search for the
 * head must be the one a reference tokenizer (ref_find()) finds.
 *
 *     t/fuzz/run.sh head [runs]
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ngx_http_rum_head.h"


#define MAX_EVENTS  64


typedef struct {
    int       rc;
    size_t    at;
    size_t    host_len;
    u_char    host[NGX_HTTP_RUM_HEAD_HOST_LEN];
} event_t;


static size_t
run(const u_char *doc, size_t len, unsigned flags, unsigned seed,
    event_t *ev)
{
    int                   rc;
    u_char               *chunk, *p, *last, src[NGX_HTTP_RUM_HEAD_HOST_LEN];
    size_t                from, to, n;
    ngx_http_rum_head_t   h;

    ngx_http_rum_head_init(&h, flags, src);
    n = 0;
    from = 0;

    while (from < len && h.flags) {

        if (seed == 0) {
            to = len;

        } else {
            seed = seed * 1103515245 + 12345;
            to = from + 1 + ((seed >> 16) % 160);
            to = (to > len) ? len : to;
        }

        chunk = malloc(to - from);
        memcpy(chunk, doc + from, to - from);
        p = chunk;
        last = chunk + (to - from);

        while (h.flags) {
            rc = ngx_http_rum_head_find(&h, p, last);

            if (rc == NGX_HTTP_RUM_HEAD_AGAIN) {
                if (h.hold > NGX_HTTP_RUM_HEAD_MAX_HOLD || h.hold > to
                    || strncasecmp((char *) doc + to - h.hold, "</head",
                                   h.hold) != 0)
                {
                    abort();
                }

                break;
            }

            if (n == MAX_EVENTS || h.next > (size_t) (last - p)
                || (ssize_t) (from + (p - chunk)) + h.at < 0)
            {
                abort();
            }

            ev[n].rc = rc;
            ev[n].at = from + (p - chunk) + h.at;
            ev[n].host_len = 0;

            if (rc == NGX_HTTP_RUM_HEAD_ALREADY) {
                ev[n].at = 0;    /* no place to insert at */
            }

            if (rc == NGX_HTTP_RUM_HEAD_SCRIPT) {
                if (h.host_len == 0 || h.host_len > sizeof(ev[n].host)) {
                    abort();
                }

                ev[n].host_len = h.host_len;
                memcpy(ev[n].host, h.host, h.host_len);
            }

            n++;
            p += h.next;
        }

        free(chunk);
        from = to;
    }

    return n;
}


/*
 * The reference: the HTML tokenizer's states that matter, a byte at a
 * time, written from the specification and not from the finder.  The first
 * event of the search for the head: FOUND (*at the "<" of "</head"), BODY
 * (*at after the ">" of "<body ...>"), ALREADY ("CRUM" or 'CRUM' in a
 * script's text, or a quoted value "CRUM" in its start tag), or AGAIN.
 */

#define ref_space(c)                                                          \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\f')
#define ref_delim(c)   (ref_space(c) || (c) == '/' || (c) == '>')
#define ref_alpha(c)   ((((c) | 0x20) >= 'a') && (((c) | 0x20) <= 'z'))


/* the attributes of a tag from i (after its name): after its ">", or n + 1 */

static size_t
ref_attrs(const u_char *d, size_t n, size_t i, int script, int *already)
{
    size_t  v;
    u_char  q;

    for ( ;; ) {

        /* before an attribute name; "/" alone changes nothing here */

        while (i < n && (ref_space(d[i]) || d[i] == '/')) {
            i++;
        }

        if (i >= n) {
            return n + 1;
        }

        if (d[i] == '>') {
            return i + 1;
        }

        /* the name; its first byte may be "=" */

        i++;

        while (i < n && !ref_space(d[i]) && d[i] != '/' && d[i] != '>'
               && d[i] != '=')
        {
            i++;
        }

        while (i < n && ref_space(d[i])) {
            i++;
        }

        if (i >= n) {
            return n + 1;
        }

        if (d[i] != '=') {
            /* "/", ">" or the next name */
            continue;
        }

        /* a value */

        i++;

        while (i < n && ref_space(d[i])) {
            i++;
        }

        if (i >= n) {
            return n + 1;
        }

        if (d[i] == '>') {
            return i + 1;
        }

        if (d[i] == '"' || d[i] == '\'') {
            q = d[i];
            v = ++i;

            while (i < n && d[i] != q) {
                i++;
            }

            if (i >= n) {
                return n + 1;
            }

            if (script && i - v == 4 && memcmp(d + v, "CRUM", 4) == 0) {
                *already = 1;
                return i + 1;
            }

            i++;
            continue;
        }

        while (i < n && !ref_space(d[i]) && d[i] != '>') {
            i++;
        }

        if (i >= n) {
            return n + 1;
        }

        if (d[i] == '>') {
            return i + 1;
        }
    }
}


static int
ref_find(const u_char *d, size_t n, size_t *at)
{
    int           already, script;
    size_t        i, j, k, lt, ns, len;
    const char  **r;

    static const char  *raw[] = { "script", "style", "title", "textarea",
                                  "noscript", "noembed", "noframes",
                                  "iframe", "xmp", NULL };

    i = 0;
    already = 0;

    while (i < n) {

        if (d[i] != '<') {
            i++;
            continue;
        }

        lt = i++;

        if (i >= n) {
            break;
        }

        if (d[i] == '!') {

            if (i + 2 < n && d[i + 1] == '-' && d[i + 2] == '-') {
                i += 3;

                if (i < n && d[i] == '>') {
                    i++;
                    continue;
                }

                if (i + 1 < n && d[i] == '-' && d[i + 1] == '>') {
                    i += 2;
                    continue;
                }

                /* to "-->" or "--!>" */

                for (j = i; j + 1 < n; j++) {
                    if (d[j] != '-' || d[j + 1] != '-') {
                        continue;
                    }

                    for (k = j + 2; k < n && d[k] == '-'; k++) { /* void */ }

                    if (k < n && d[k] == '>') {
                        break;
                    }

                    if (k + 1 < n && d[k] == '!' && d[k + 1] == '>') {
                        k++;
                        break;
                    }
                }

                if (j + 1 >= n) {
                    return NGX_HTTP_RUM_HEAD_AGAIN;
                }

                i = k + 1;
                continue;
            }

            goto bogus;
        }

        if (d[i] == '?') {
            goto bogus;
        }

        if (d[i] == '/') {
            i++;

            if (i >= n) {
                break;
            }

            if (d[i] == '>') {
                i++;
                continue;
            }

            if (!ref_alpha(d[i])) {
                goto bogus;
            }

            ns = i;

            while (i < n && !ref_delim(d[i])) {
                i++;
            }

            if (i >= n) {
                break;
            }

            if (i - ns == 4 && strncasecmp((char *) d + ns, "head", 4) == 0) {
                *at = lt;
                return NGX_HTTP_RUM_HEAD_FOUND;
            }

            i = ref_attrs(d, n, i, 0, &already);
            continue;
        }

        if (!ref_alpha(d[i])) {
            continue;
        }

        ns = i;

        while (i < n && !ref_delim(d[i])) {
            i++;
        }

        if (i >= n) {
            break;
        }

        len = i - ns;

        if (len == 4 && strncasecmp((char *) d + ns, "body", 4) == 0) {
            i = ref_attrs(d, n, i, 0, &already);

            if (i > n) {
                break;
            }

            *at = i;
            return NGX_HTTP_RUM_HEAD_BODY;
        }

        for (r = raw; *r; r++) {
            if (strlen(*r) == len && strncasecmp((char *) d + ns, *r, len) == 0)
            {
                break;
            }
        }

        script = (*r && len == 6 && strncasecmp((char *) d + ns, "script", 6)
                           == 0);

        i = ref_attrs(d, n, i, script, &already);

        if (already) {
            return NGX_HTTP_RUM_HEAD_ALREADY;
        }

        if (*r == NULL || i >= n) {
            continue;
        }

        /* (a raw element's text begins at i) */

        /* raw text to "</name" and a delimiter */

        for ( /* void */ ; i < n; i++) {

            if (script && d[i] == 'C' && i > 0 && i + 4 < n
                && (d[i - 1] == '"' || d[i - 1] == '\'')
                && memcmp(d + i + 1, "RUM", 3) == 0 && d[i + 4] == d[i - 1])
            {
                return NGX_HTTP_RUM_HEAD_ALREADY;
            }

            if (d[i] == '<' && i + 2 + len < n && d[i + 1] == '/'
                && strncasecmp((char *) d + i + 2, *r, len) == 0
                && ref_delim(d[i + 2 + len]))
            {
                break;
            }
        }

        if (i >= n) {
            break;
        }

        i = ref_attrs(d, n, i + 2 + len, 0, &already);
        continue;

    bogus:

        while (i < n && d[i] != '>') {
            i++;
        }

        i++;
    }

    return NGX_HTTP_RUM_HEAD_AGAIN;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int       rc;
    size_t    n1, n2, i, at;
    unsigned  flags, seed;
    event_t   e1[MAX_EVENTS], e2[MAX_EVENTS];

    if (size < 2) {
        return 0;
    }

    flags = 1 + (data[0] % 3);
    seed = data[1] + 1;
    data += 2;
    size -= 2;

    (void) ngx_http_rum_head_vector(0);
    n1 = run(data, size, flags, 0, e1);

    (void) ngx_http_rum_head_vector((seed & 1) ? 16 : 0);
    n2 = run(data, size, flags, seed, e2);

    if (n1 != n2) {
        abort();
    }

    /* the first event of the search for the head, as the reference has it */

    if (flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {
        rc = ref_find(data, size, &at);

        for (i = 0; i < n1 && e1[i].rc == NGX_HTTP_RUM_HEAD_SCRIPT; i++) {
            /* void */
        }

        if (i == n1) {
            if (rc != NGX_HTTP_RUM_HEAD_AGAIN) {
                abort();
            }

        } else if (e1[i].rc != rc
                   || (rc != NGX_HTTP_RUM_HEAD_ALREADY && e1[i].at != at))
        {
            abort();
        }
    }

    for (i = 0; i < n1; i++) {
        at = e1[i].at;

        if (e1[i].rc != e2[i].rc || at != e2[i].at
            || e1[i].host_len != e2[i].host_len
            || memcmp(e1[i].host, e2[i].host, e1[i].host_len) != 0)
        {
            abort();
        }

        switch (e1[i].rc) {

        case NGX_HTTP_RUM_HEAD_FOUND:
            if (at + 7 > size || strncasecmp((char *) data + at, "</head", 6)
                || strchr(" \t\r\n\f/>", data[at + 6]) == NULL
                || data[at + 6] == '\0')
            {
                abort();
            }

            break;

        case NGX_HTTP_RUM_HEAD_BODY:
            if (at == 0 || at > size || data[at - 1] != '>') {
                abort();
            }

            break;

        case NGX_HTTP_RUM_HEAD_SCRIPT:
            if (at >= size || data[at] != '>') {
                abort();
            }

            break;
        }
    }

    return 0;
}
