
/*
 * libFuzzer target of the beacon parser: t/fuzz/run.sh beacon [runs]
 *
 * Parses the input with the default rules (and with a second, odd set of
 * rules) and checks what an OK parse promises: every name and value is valid
 * UTF-8 and within its limits, id, kind and seq match their patterns.
 * Memory comes from a pool freed after each input, so a leak shows as one.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_rum_beacon.h"


#define BF_MAX_ALLOCS  256


typedef struct {
    void      *ptrs[BF_MAX_ALLOCS];
    size_t     n;
} bf_pool_t;


static bf_pool_t                bf_pool;
static bf_pool_t                bf_spec_pool;
static ngx_http_rum_extract_t  *bf_default;
static ngx_http_rum_extract_t  *bf_custom;
static volatile unsigned        bf_sink;


static void *
bf_alloc(void *ctx, size_t size)
{
    bf_pool_t  *pool = ctx;
    void       *p;

    if (pool->n == BF_MAX_ALLOCS) {
        abort();    /* more allocations than a beacon can cause */
    }

    p = malloc(size ? size : 1);
    if (p == NULL) {
        return NULL;
    }

    pool->ptrs[pool->n++] = p;
    return p;
}


static int
bf_utf8(const u_char *p, size_t len)
{
    size_t    i, n;
    uint32_t  c;

    for (i = 0; i < len; i += n) {
        c = p[i];

        if (c < 0x80) {
            n = 1;
            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
            c &= 0x1f;

        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            c &= 0x0f;

        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            c &= 0x07;

        } else {
            return 0;
        }

        if (i + n > len) {
            return 0;
        }

        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return 0;
            }

            c = (c << 6) | (p[i + k] & 0x3f);
        }

        if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000)
            || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        {
            return 0;
        }
    }

    return 1;
}


static int
bf_chars(const u_char *p, size_t len, const char *set)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] == '\0' || strchr(set, p[i]) == NULL) {
            return 0;
        }
    }

    return 1;
}


#define BF_ID_CHARS                                                          \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"


static void
bf_check(const ngx_http_rum_beacon_t *b, const uint8_t *data, size_t size,
    const ngx_http_rum_extract_t *spec)
{
    size_t                               i, j;
    const ngx_http_rum_beacon_field_t   *f;

    if (b->error_offset > size) {
        abort();
    }

    if (b->nfields > NGX_HTTP_RUM_BEACON_MAX_FIELDS
        || (b->nfields && b->fields == NULL))
    {
        abort();
    }

    for (i = 0; i < b->nfields; i++) {
        f = &b->fields[i];

        if (f->name == NULL || f->value == NULL
            || f->name_len == 0
            || f->name_len > NGX_HTTP_RUM_BEACON_MAX_KEY
            || f->value_len > NGX_HTTP_RUM_BEACON_MAX_VALUE
            || !bf_utf8(f->name, f->name_len)
            || !bf_utf8(f->value, f->value_len))
        {
            abort();
        }

        for (j = 0; j < i; j++) {
            if (b->fields[j].name_len == f->name_len
                && memcmp(b->fields[j].name, f->name, f->name_len) == 0)
            {
                abort();    /* a name twice */
            }
        }

        /* read every byte, so ASan sees a dangling pointer */

        for (j = 0; j < f->value_len; j++) {
            bf_sink += f->value[j];
        }

        for (j = 0; j < f->name_len; j++) {
            bf_sink += f->name[j];
        }
    }

    if (b->id != NULL
        && (b->id_len == 0 || b->id_len > NGX_HTTP_RUM_BEACON_MAX_ID
            || !bf_chars(b->id, b->id_len, BF_ID_CHARS)))
    {
        abort();
    }

    if (b->kind != NULL
        && (b->kind_len == 0 || b->kind_len > NGX_HTTP_RUM_BEACON_MAX_KIND
            || !bf_chars(b->kind, b->kind_len,
                         "abcdefghijklmnopqrstuvwxyz_")))
    {
        abort();
    }

    if (b->seq != NULL
        && (b->seq_len == 0 || b->seq_len > NGX_HTTP_RUM_BEACON_MAX_SEQ
            || !bf_chars(b->seq, b->seq_len, "0123456789")))
    {
        abort();
    }

    (void) data;
    (void) spec;
}


static void
bf_pool_free(bf_pool_t *pool)
{
    size_t  i;

    for (i = 0; i < pool->n; i++) {
        free(pool->ptrs[i]);
    }

    pool->n = 0;
}


static void
bf_init(void)
{
    const char    *err;
    static const u_char  *names[] = {
        (const u_char *) "*", (const u_char *) "a", (const u_char *) "b",
        (const u_char *) "*", (const u_char *) "c"
    };
    static const u_char  *paths[] = {
        (const u_char *) "*", (const u_char *) "a.b.c", (const u_char *) "a",
        (const u_char *) "a.b.*", (const u_char *) "x.a"
    };
    static const size_t   name_lens[] = { 1, 1, 1, 1, 1 };
    static const size_t   path_lens[] = { 1, 5, 1, 5, 3 };

    bf_default = ngx_http_rum_extract_create(NULL, NULL, NULL, NULL, 0,
                                             bf_alloc, &bf_spec_pool, &err);
    bf_custom = ngx_http_rum_extract_create(names, name_lens, paths,
                                            path_lens, 5, bf_alloc,
                                            &bf_spec_pool, &err);

    if (bf_default == NULL || bf_custom == NULL) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                     rc;
    uint8_t                *copy;
    ngx_http_rum_beacon_t   b;

    if (bf_default == NULL) {
        bf_init();
    }

    /* an exact-size heap copy: a read past the end is caught */

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    rc = ngx_http_rum_beacon_parse(&b, bf_default, copy, size, bf_alloc,
                                   &bf_pool);

    if (rc < 0 || rc >= NGX_HTTP_RUM_BEACON_NERRORS
        || rc == NGX_HTTP_RUM_BEACON_NOMEM)
    {
        abort();
    }

    if (rc == NGX_HTTP_RUM_BEACON_OK) {
        bf_check(&b, copy, size, bf_default);
    }

    bf_pool_free(&bf_pool);

    /* the same verdict whatever the rules */

    if (ngx_http_rum_beacon_parse(&b, bf_custom, copy, size, bf_alloc,
                                  &bf_pool)
        != rc)
    {
        abort();
    }

    if (rc == NGX_HTTP_RUM_BEACON_OK) {
        bf_check(&b, copy, size, bf_custom);
    }

    bf_pool_free(&bf_pool);
    free(copy);

    return 0;
}
