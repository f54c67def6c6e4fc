
/*
 * Cost of the </head> finder: searches FILE, in one piece, N times.
 *
 *     head_bench FILE N [WIDTH]
 *
 * WIDTH: the finder's vector width, 16 (SSE2) or 0 (the widest, default).
 * t/bench/head_bench.sh turns callgrind counts of N = 1000 and N = 0 into
 * instructions per page.
 */


#include <stdio.h>
#include <stdlib.h>

#include "ngx_http_rum_head.h"


int
main(int argc, char **argv)
{
    int                   rc;
    long                  i, n;
    size_t                width;
    FILE                 *f;
    size_t                len;
    static u_char         page[1024 * 1024];
    ngx_http_rum_head_t   h;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: head_bench FILE N [WIDTH]\n");
        return 2;
    }

    f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }

    len = fread(page, 1, sizeof(page), f);
    fclose(f);

    n = atol(argv[2]);
    width = ngx_http_rum_head_vector(argc == 4 ? (size_t) atol(argv[3]) : 0);
    rc = NGX_HTTP_RUM_HEAD_AGAIN;
    h.at = -1;

    for (i = 0; i < n; i++) {
        ngx_http_rum_head_init(&h, NGX_HTTP_RUM_HEAD_FIND_HEAD, NULL);
        rc = ngx_http_rum_head_find(&h, page, page + len);
    }

    printf("event %d at %ld, %zu-byte vectors\n", rc, (long) h.at, width);

    return 0;
}
