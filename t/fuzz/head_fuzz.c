
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
 * hold is the start of "</head".
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


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
