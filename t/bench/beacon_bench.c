
/*
 * Cost of the beacon parser: parses FILE N times.
 *
 *     beacon_bench FILE N [parse|yajl|yajl-novalidate]
 *
 * parse: ngx_http_rum_beacon_parse() with the default rules, memory from a
 * bump allocator reset per parse (as a request pool would be); yajl: a bare
 * yajl_alloc/yajl_parse/yajl_complete_parse/yajl_free with no callbacks
 * (the cost of validating alone); yajl-novalidate: the same without yajl's
 * UTF-8 check.  t/bench/beacon_bench.sh turns callgrind counts of N = 1000
 * and N = 0 into instructions per parse.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "ngx_http_rum_beacon.h"


typedef struct {
    u_char  *start;
    size_t   used;
    size_t   size;
} bb_arena_t;


static void *
bb_alloc(void *ctx, size_t size)
{
    bb_arena_t  *a = ctx;
    void        *p;

    if (a->size - a->used < size) {
        return NULL;
    }

    p = a->start + a->used;
    a->used += size;
    return p;
}


int
main(int argc, char **argv)
{
    int                      rc, mode;
    long                     i, n, size;
    FILE                    *f;
    u_char                  *data;
    const char              *err;
    yajl_handle              h;
    bb_arena_t               arena, conf;
    ngx_http_rum_beacon_t    b;
    ngx_http_rum_extract_t  *spec;

    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE N [parse|yajl|yajl-novalidate]\n",
                argv[0]);
        return 2;
    }

    f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);

    data = malloc(size);
    if (data == NULL || fread(data, 1, size, f) != (size_t) size) {
        perror(argv[1]);
        return 2;
    }

    fclose(f);

    n = atol(argv[2]);
    mode = 0;

    if (argc > 3 && strcmp(argv[3], "yajl") == 0) {
        mode = 1;

    } else if (argc > 3 && strcmp(argv[3], "yajl-novalidate") == 0) {
        mode = 2;
    }

    conf.size = 65536;
    conf.used = 0;
    conf.start = malloc(conf.size);

    arena.size = 1024 * 1024;
    arena.used = 0;
    arena.start = malloc(arena.size);

    spec = ngx_http_rum_extract_create(NULL, NULL, NULL, NULL, 0, bb_alloc,
                                       &conf, &err);
    if (spec == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    rc = 0;

    for (i = 0; i < n; i++) {

        if (mode == 0) {
            arena.used = 0;
            rc |= ngx_http_rum_beacon_parse(&b, spec, data, size, bb_alloc,
                                            &arena);
            continue;
        }

        h = yajl_alloc(NULL, NULL, NULL);

        if (mode == 2) {
            yajl_config(h, yajl_dont_validate_strings, 1);
        }

        if (yajl_parse(h, data, size) != yajl_status_ok
            || yajl_complete_parse(h) != yajl_status_ok)
        {
            rc = 1;
        }

        yajl_free(h);
    }

    if (n > 0 && mode == 0) {
        printf("%s: %zu fields, %zu bytes of pool\n", argv[1], b.nfields,
               arena.used);
    }

    free(arena.start);
    free(conf.start);
    free(data);

    return rc ? 1 : 0;
}
