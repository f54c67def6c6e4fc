
/*
 * Unit tests of the beacon parser (src/ngx_http_rum_beacon.c).
 *
 *     t/unit/build.sh          builds and runs them (ASan/UBSan, valgrind)
 *     beacon_test [DATA_DIR]   DATA_DIR holds beacon-8.json (t/data)
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_rum_beacon.h"


#define BT_MAX_ALLOCS  4096


typedef struct {
    void      *ptrs[BT_MAX_ALLOCS];
    size_t     n;
    long       fail_after;      /* -1: never */
} bt_pool_t;


static int          bt_passed;
static int          bt_failed;
static bt_pool_t    bt_pool;
static bt_pool_t    bt_spec_pool;     /* compiled rules, freed at the end */
static const char  *bt_data_dir = "t/data";


#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (cond) {                                                          \
            bt_passed++;                                                     \
        } else {                                                             \
            bt_failed++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
        }                                                                    \
    } while (0)


static void *
bt_alloc(void *ctx, size_t size)
{
    bt_pool_t  *pool = ctx;
    void       *p;

    if (pool->fail_after == 0 || pool->n == BT_MAX_ALLOCS) {
        return NULL;
    }

    if (pool->fail_after > 0) {
        pool->fail_after--;
    }

    p = malloc(size ? size : 1);
    if (p == NULL) {
        return NULL;
    }

    pool->ptrs[pool->n++] = p;
    return p;
}


static void
bt_pool_reset(void)
{
    size_t  i;

    for (i = 0; i < bt_pool.n; i++) {
        free(bt_pool.ptrs[i]);
    }

    bt_pool.n = 0;
    bt_pool.fail_after = -1;
}


static u_char *
bt_read(const char *name, size_t *len)
{
    char     path[1024];
    long     size;
    FILE    *f;
    u_char  *p;

    snprintf(path, sizeof(path), "%s/%s", bt_data_dir, name);

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);

    p = malloc(size + 1);
    if (p == NULL || fread(p, 1, size, f) != (size_t) size) {
        perror(path);
        exit(2);
    }

    fclose(f);
    *len = size;
    return p;
}


static ngx_http_rum_extract_t *
bt_spec(const char **rules, size_t n, const char **err)
{
    size_t                   i;
    const u_char            *names[80], *paths[80];
    size_t                   name_lens[80], path_lens[80];

    bt_spec_pool.fail_after = -1;
    *err = NULL;

    for (i = 0; i < n; i++) {
        names[i] = (const u_char *) rules[2 * i];
        name_lens[i] = strlen(rules[2 * i]);
        paths[i] = (const u_char *) rules[2 * i + 1];
        path_lens[i] = strlen(rules[2 * i + 1]);
    }

    return ngx_http_rum_extract_create(names, name_lens, paths, path_lens, n,
                                       bt_alloc, &bt_spec_pool, err);
}


static void
bt_spec_free(void)
{
    size_t  i;

    for (i = 0; i < bt_spec_pool.n; i++) {
        free(bt_spec_pool.ptrs[i]);
    }

    bt_spec_pool.n = 0;
}


static int
bt_parse_len(ngx_http_rum_beacon_t *b, const ngx_http_rum_extract_t *spec,
    const void *data, size_t len)
{
    u_char  *copy;
    int      rc;

    /* an exact-size copy, so ASan sees any read past the end */

    copy = malloc(len ? len : 1);
    memcpy(copy, data, len);

    bt_pool_reset();
    rc = ngx_http_rum_beacon_parse(b, spec, copy, len, bt_alloc, &bt_pool);

    /* values may point into the body: keep it until the next parse */

    bt_pool.ptrs[bt_pool.n++] = copy;

    return rc;
}


static int
bt_parse(ngx_http_rum_beacon_t *b, const ngx_http_rum_extract_t *spec,
    const char *json)
{
    return bt_parse_len(b, spec, json, strlen(json));
}


static const ngx_http_rum_beacon_field_t *
bt_field(const ngx_http_rum_beacon_t *b, const char *name)
{
    size_t  i, len;

    len = strlen(name);

    for (i = 0; i < b->nfields; i++) {
        if (b->fields[i].name_len == len
            && memcmp(b->fields[i].name, name, len) == 0)
        {
            return &b->fields[i];
        }
    }

    return NULL;
}


static int
bt_field_is(const ngx_http_rum_beacon_t *b, const char *name,
    const char *value)
{
    const ngx_http_rum_beacon_field_t  *f;

    f = bt_field(b, name);

    return f != NULL
           && f->value_len == strlen(value)
           && memcmp(f->value, value, f->value_len) == 0;
}


static int
bt_is(const u_char *p, size_t len, const char *s)
{
    return p != NULL && len == strlen(s) && memcmp(p, s, len) == 0;
}


static void
test_errors(const ngx_http_rum_extract_t *spec)
{
    size_t                  i;
    ngx_http_rum_beacon_t   b;
    static const char      *invalid[] = {
        "", " ", " \n\t\r ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
        "{\"a\":1}x", "{\"a\":1} {}", "{} []", "{}}", "{'a':1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":tru}",
        "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
        "{\"a\":\"\x01\"}", "{/* c */}", "{\"a\":1 // c\n}",
        "\xef\xbb\xbf{}", "{\"a\":NaN}", "{\"a\":[1,]}"
    };
    static const char      *not_object[] = {
        "[]", "\"x\"", "1", "1.5", "true", "null", "[{}]", " [1,2] "
    };

    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        CHECK(bt_parse(&b, spec, invalid[i]) == NGX_HTTP_RUM_BEACON_INVALID,
              "invalid #%zu \"%s\"", i, invalid[i]);
    }

    for (i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
        CHECK(bt_parse(&b, spec, not_object[i])
              == NGX_HTTP_RUM_BEACON_NOT_OBJECT,
              "not_object #%zu \"%s\"", i, not_object[i]);
    }

    CHECK(bt_parse(&b, spec, "{}") == NGX_HTTP_RUM_BEACON_OK, "{}");
    CHECK(b.nfields == 0 && b.id == NULL && b.kind == NULL && b.seq == NULL,
          "{} has nothing");
    CHECK(bt_parse(&b, spec, " \n{ } \r\n\t") == NGX_HTTP_RUM_BEACON_OK,
          "whitespace around");
    CHECK(bt_parse_len(&b, spec, "{}\0", 3) == NGX_HTTP_RUM_BEACON_INVALID,
          "NUL after the object");
    CHECK(bt_parse(&b, spec, "{\"a\":1}x") == NGX_HTTP_RUM_BEACON_INVALID
          && b.error_offset == 8, "error_offset %zu", b.error_offset);

    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_OK), "ok")
          == 0, "strerror ok");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_INVALID),
                 "invalid") == 0, "strerror invalid");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_NOT_OBJECT),
                 "not_object") == 0, "strerror not_object");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_TOO_DEEP),
                 "too_deep") == 0, "strerror too_deep");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_TOO_LONG),
                 "too_long") == 0, "strerror too_long");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_UTF8),
                 "utf8") == 0, "strerror utf8");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_FIELD),
                 "field") == 0, "strerror field");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(NGX_HTTP_RUM_BEACON_NOMEM),
                 "nomem") == 0, "strerror nomem");
    CHECK(strcmp(ngx_http_rum_beacon_strerror(99), "unknown") == 0,
          "strerror 99");
}


static void
test_depth(const ngx_http_rum_extract_t *spec)
{
    char                   *s;
    size_t                  n, i;
    ngx_http_rum_beacon_t   b;

    /* {"a":{"a":...{}...}}: n objects */

    for (n = 31; n <= 34; n++) {
        s = malloc(n * 6 + 16);
        s[0] = '\0';

        for (i = 0; i < n - 1; i++) {
            strcat(s, "{\"a\":");
        }

        strcat(s, "{}");

        for (i = 0; i < n - 1; i++) {
            strcat(s, "}");
        }

        CHECK(bt_parse(&b, spec, s) == (n <= 32 ? NGX_HTTP_RUM_BEACON_OK
                                          : NGX_HTTP_RUM_BEACON_TOO_DEEP),
              "%zu objects deep", n);
        free(s);
    }

    /* {"a":[[...[]...]]}: 1 object and n - 1 arrays */

    for (n = 32; n <= 33; n++) {
        s = malloc(n * 2 + 16);
        strcpy(s, "{\"a\":");

        for (i = 0; i < n - 1; i++) {
            strcat(s, "[");
        }

        for (i = 0; i < n - 1; i++) {
            strcat(s, "]");
        }

        strcat(s, "}");

        CHECK(bt_parse(&b, spec, s) == (n == 32 ? NGX_HTTP_RUM_BEACON_OK
                                         : NGX_HTTP_RUM_BEACON_TOO_DEEP),
              "%zu containers deep, arrays", n);
        free(s);
    }

    /* 100000 deep, unterminated: stops at 33 */

    n = 100000;
    s = malloc(n + 16);
    strcpy(s, "{\"a\":");
    memset(s + 5, '[', n);
    s[n + 5] = '\0';

    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_TOO_DEEP
          && b.error_offset < 64,
          "100000 deep, stopped at %zu", b.error_offset);

    memset(s, '[', n);
    s[n] = '\0';
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_NOT_OBJECT,
          "100000 arrays");
    free(s);
}


static void
test_limits(const ngx_http_rum_extract_t *spec)
{
    char                   *s;
    size_t                  n;
    ngx_http_rum_beacon_t   b;

    /* keys: 256 bytes ok, 257 too long */

    for (n = 255; n <= 257; n++) {
        s = malloc(n + 32);
        s[0] = '{';
        s[1] = '"';
        memset(s + 2, 'k', n);
        strcpy(s + 2 + n, "\":1}");

        CHECK(bt_parse(&b, spec, s) == (n <= 256 ? NGX_HTTP_RUM_BEACON_OK
                                        : NGX_HTTP_RUM_BEACON_TOO_LONG),
              "key of %zu", n);
        free(s);
    }

    /* a key of 256 bytes once decoded: 128 x "\u00e9" */

    s = malloc(128 * 6 + 33);
    strcpy(s, "{\"");
    for (n = 0; n < 128; n++) {
        strcat(s, "\\u00e9");
    }
    strcat(s, "\":1}");
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_OK, "escaped key 256");
    memmove(s + 3, s + 2, strlen(s + 2) + 1);
    s[2] = 'x';
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_TOO_LONG,
          "escaped key 257");
    free(s);

    /* strings: 16384 ok, 16385 too long, in arrays too */

    for (n = 16383; n <= 16385; n++) {
        s = malloc(n + 32);
        strcpy(s, "{\"a\":[\"");
        memset(s + 7, 's', n);
        strcpy(s + 7 + n, "\"]}");

        CHECK(bt_parse(&b, spec, s) == (n <= 16384 ? NGX_HTTP_RUM_BEACON_OK
                                        : NGX_HTTP_RUM_BEACON_TOO_LONG),
              "string of %zu", n);
        free(s);
    }

    /* numbers have no limit of their own */

    s = malloc(20000 + 32);
    strcpy(s, "{\"a\":");
    memset(s + 5, '7', 20000);
    strcpy(s + 5 + 20000, "}");
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_OK, "long number");
    free(s);
}


static void
test_utf8(const ngx_http_rum_extract_t *spec)
{
    char                    buf[256];
    size_t                  i;
    ngx_http_rum_beacon_t   b;
    static const char      *bad[] = {
        "\xc0\x80",                 /* overlong NUL */
        "\xc1\xbf",                 /* overlong */
        "\xe0\x80\xaf",             /* overlong '/' */
        "\xe0\x9f\xbf",             /* overlong */
        "\xf0\x80\x80\xaf",         /* overlong */
        "\xf0\x8f\xbf\xbf",         /* overlong */
        "\xed\xa0\x80",             /* U+D800 */
        "\xed\xbf\xbf",             /* U+DFFF */
        "\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 pair */
        "\xf4\x90\x80\x80",         /* U+110000 */
        "\xf5\x80\x80\x80",
        "\xf8\x88\x80\x80\x80",
        "\xfe", "\xff",
        "\x80",                     /* lone continuation */
        "a\xbf" "b",
        "\xc3",                     /* truncated */
        "\xe2\x82",
        "\xf0\x9f\x98",
        "\xe2\x28\xa1",             /* bad continuation */
        "\xc3\x28",
        "\\ud800",                  /* lone high surrogate */
        "\\udbff x",
        "\\udc00",                  /* lone low surrogate */
        "\\ud800\\u0041",           /* high, then not a low one */
        "\\ud800\\ud800",
        "x\\ud83d",                 /* high at the end */
        "\\u00e9\\ude00"
    };
    static const char      *good[] = {
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
        "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf", "caf\xc3\xa9 na\xc4\x8dten\xc3\xad",
        "\\ud83d\\ude00", "\\udbff\\udfff", "\\u0000", "\\\\ud800",
        "\\\\\\ud83d\\ude00", "\\\"\\ud83d\\ude00\\\""
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(buf, sizeof(buf), "{\"a\":\"%s\"}", bad[i]);
        CHECK(bt_parse(&b, spec, buf) == NGX_HTTP_RUM_BEACON_UTF8,
              "bad value #%zu", i);

        snprintf(buf, sizeof(buf), "{\"a\":{\"%s\":1}}", bad[i]);
        CHECK(bt_parse(&b, spec, buf) == NGX_HTTP_RUM_BEACON_UTF8,
              "bad key #%zu", i);

        /* and where the rules look: under metrics */

        snprintf(buf, sizeof(buf), "{\"metrics\":{\"%s\":\"%s\"}}",
                 bad[i], bad[i]);
        CHECK(bt_parse(&b, spec, buf) == NGX_HTTP_RUM_BEACON_UTF8,
              "bad metrics #%zu", i);
    }

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(buf, sizeof(buf), "{\"a\":[\"%s\"],\"%s\":1}",
                 good[i], good[i]);
        CHECK(bt_parse(&b, spec, buf) == NGX_HTTP_RUM_BEACON_OK,
              "good #%zu", i);
    }
}


static void
test_escapes(const ngx_http_rum_extract_t *spec)
{
    const ngx_http_rum_beacon_field_t  *f;
    const char                         *json;
    ngx_http_rum_beacon_t               b;

    json = "{\"session\":{\"id\":\"caf\\u00e9 \\ud83d\\ude00\"},"
           "\"view\":{\"href\":\"https:\\/\\/x.test\\/a?b=\\\"c\\\"\\n\","
           "\"id\":\"\\u0041\\u0000B\"},"
           "\"metrics\":{\"l\\u0063p\":1.5,\"\\u00e9\":\"\\u00e9\","
           "\"plain\":\"caf\xc3\xa9\"}}";

    CHECK(bt_parse(&b, spec, json) == NGX_HTTP_RUM_BEACON_OK, "escapes");
    CHECK(bt_field_is(&b, "session", "caf\xc3\xa9 \xf0\x9f\x98\x80"),
          "\\u00e9 and a surrogate pair");
    CHECK(bt_field_is(&b, "url", "https://x.test/a?b=\"c\"\n"), "url");
    f = bt_field(&b, "view");
    CHECK(f != NULL && f->value_len == 3
          && memcmp(f->value, "A\0B", 3) == 0, "\\u0000 kept");
    CHECK(bt_field_is(&b, "lcp", "1.5"), "escaped key matches");
    CHECK(bt_field_is(&b, "\xc3\xa9", "\xc3\xa9"), "escaped wildcard key");
    CHECK(bt_field_is(&b, "plain", "caf\xc3\xa9"), "raw UTF-8");
    CHECK(b.nfields == 6, "nfields %zu", b.nfields);

    /* the fields outlive yajl: compare after it is freed, and by order */

    CHECK(b.nfields == 6
          && bt_is(b.fields[0].name, b.fields[0].name_len, "session")
          && bt_is(b.fields[1].name, b.fields[1].name_len, "url")
          && bt_is(b.fields[2].name, b.fields[2].name_len, "view")
          && bt_is(b.fields[3].name, b.fields[3].name_len, "lcp")
          && bt_is(b.fields[5].name, b.fields[5].name_len, "plain"),
          "document order");

    json = "{\"id\":\"\\u0061-1\",\"kind\":\"\\u0073ample\"}";
    CHECK(bt_parse(&b, spec, json) == NGX_HTTP_RUM_BEACON_OK
          && bt_is(b.id, b.id_len, "a-1")
          && bt_is(b.kind, b.kind_len, "sample"), "escaped id and kind");
}


static void
test_truncated(const ngx_http_rum_extract_t *spec, const u_char *data,
    size_t len)
{
    int                     rc, bad;
    size_t                  i;
    ngx_http_rum_beacon_t   b;

    bad = 0;

    for (i = 0; i < len; i++) {
        rc = bt_parse_len(&b, spec, data, i);

        if (rc != NGX_HTTP_RUM_BEACON_INVALID) {
            bad++;
            fprintf(stderr, "truncated at %zu: %d\n", i, rc);
        }
    }

    CHECK(bad == 0, "%d truncations not invalid", bad);
    CHECK(bt_parse_len(&b, spec, data, len) == NGX_HTTP_RUM_BEACON_OK,
          "whole");
}


static void
test_defaults(const ngx_http_rum_extract_t *spec, const u_char *data,
    size_t len)
{
    size_t                  i;
    ngx_http_rum_beacon_t   b;
    static const char      *metrics[] = {
        "fp", "fcp", "cls", "lcp", "fid", "inp", "ttfb", "responseTime",
        "domContentLoadedEventStart", "domContentLoadedEventEnd",
        "domContentLoadedDuration", "renderDuration", "domComplete",
        "duration"
    };

    CHECK(bt_parse_len(&b, spec, data, len) == NGX_HTTP_RUM_BEACON_OK,
          "beacon-8");
    CHECK(b.error_offset == len, "error_offset %zu", b.error_offset);
    CHECK(bt_is(b.id, b.id_len, "b-1675377137759-8-k3j9x2"), "id");
    CHECK(bt_is(b.kind, b.kind_len, "sample"), "kind");
    CHECK(bt_is(b.seq, b.seq_len, "1"), "seq");
    CHECK(bt_field_is(&b, "session", "4f1c2b8e-93a1-4c6e-b7de-2a1f0c9d5e17"),
          "session");
    CHECK(bt_field_is(&b, "view", "homepage"), "view");
    CHECK(bt_field_is(&b, "url",
                      "https://www.your-domain.com/category?id=4016974"),
          "url");
    CHECK(bt_field_is(&b, "lcp", "1234.5"), "lcp");
    CHECK(bt_field_is(&b, "cls", "0.1"), "cls");
    CHECK(bt_field_is(&b, "fid", "3.8000000715255737"), "fid");
    CHECK(bt_field_is(&b, "fp", "0"), "fp");
    CHECK(b.nfields == 3 + sizeof(metrics) / sizeof(metrics[0]),
          "nfields %zu", b.nfields);

    for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
        CHECK(b.nfields > 3 + i
              && bt_is(b.fields[3 + i].name, b.fields[3 + i].name_len,
                       metrics[i]),
              "metric %s in order", metrics[i]);
    }

    /* the nested view.id of longTasks etc. and attributes do not match */

    CHECK(bt_field(&b, "name") == NULL && bt_field(&b, "count") == NULL,
          "nothing else");

    /* no copies: every value points into the body */

    for (i = 0; i < b.nfields; i++) {
        if (b.fields[i].value < (u_char *) bt_pool.ptrs[bt_pool.n - 1]
            || b.fields[i].value >= (u_char *) bt_pool.ptrs[bt_pool.n - 1]
                                    + len)
        {
            break;
        }
    }

    CHECK(i == b.nfields, "value %zu copied", i);
}


static void
test_values(const ngx_http_rum_extract_t *spec)
{
    char                   *s;
    size_t                  i;
    ngx_http_rum_beacon_t   b;

    CHECK(bt_parse(&b, spec,
                   "{\"metrics\":{\"a\":0.1,\"b\":1e3,\"c\":-0,\"d\":1E+3,"
                   "\"e\":-12.50e-007,\"f\":true,\"g\":false,\"h\":null,"
                   "\"i\":{\"x\":1},\"j\":[1],\"k\":\"str\",\"l\":\"\","
                   "\"m\":12345678901234567890123}}")
          == NGX_HTTP_RUM_BEACON_OK, "values");
    CHECK(bt_field_is(&b, "a", "0.1"), "0.1");
    CHECK(bt_field_is(&b, "b", "1e3"), "1e3");
    CHECK(bt_field_is(&b, "c", "-0"), "-0");
    CHECK(bt_field_is(&b, "d", "1E+3"), "1E+3");
    CHECK(bt_field_is(&b, "e", "-12.50e-007"), "-12.50e-007");
    CHECK(bt_field_is(&b, "f", "true"), "true");
    CHECK(bt_field_is(&b, "g", "false"), "false");
    CHECK(bt_field(&b, "h") == NULL, "null");
    CHECK(bt_field(&b, "i") == NULL && bt_field(&b, "x") == NULL, "object");
    CHECK(bt_field(&b, "j") == NULL, "array");
    CHECK(bt_field_is(&b, "k", "str"), "string");
    CHECK(bt_field_is(&b, "l", ""), "empty string");
    CHECK(bt_field_is(&b, "m", "12345678901234567890123"), "big integer");

    /* first occurrence wins, nulls and objects do not count */

    CHECK(bt_parse(&b, spec,
                   "{\"view\":{\"id\":null,\"id\":{\"a\":1},\"id\":\"one\","
                   "\"id\":\"two\"},\"view\":{\"id\":\"three\"},"
                   "\"metrics\":{\"lcp\":1,\"lcp\":2},\"metrics\":{\"lcp\":3,"
                   "\"cls\":4}}")
          == NGX_HTTP_RUM_BEACON_OK, "duplicates");
    CHECK(bt_field_is(&b, "view", "one"), "first view");
    CHECK(bt_field_is(&b, "lcp", "1"), "first lcp");
    CHECK(bt_field_is(&b, "cls", "4"), "cls of the second metrics");
    CHECK(b.nfields == 3, "nfields %zu", b.nfields);

    /* paths through arrays do not match; deeper keys do not either */

    CHECK(bt_parse(&b, spec,
                   "{\"view\":[{\"id\":\"x\"}],\"session\":{\"a\":{\"id\":1}},"
                   "\"x\":{\"session\":{\"id\":2}},\"metrics\":[{\"lcp\":1}],"
                   "\"lcp\":5}")
          == NGX_HTTP_RUM_BEACON_OK && b.nfields == 0,
          "no match, %zu", b.nfields);

    /* reserved names are not taken from a wildcard */

    CHECK(bt_parse(&b, spec,
                   "{\"metrics\":{\"id\":1,\"ts\":2,\"v\":3,\"kind\":4,"
                   "\"seq\":5,\"payload\":6,\"\":7,\"ok\":8}}")
          == NGX_HTTP_RUM_BEACON_OK && b.nfields == 1
          && bt_field_is(&b, "ok", "8"), "reserved, %zu", b.nfields);

    /* 64 fields at most */

    s = malloc(100 * 16 + 32);
    strcpy(s, "{\"metrics\":{");

    for (i = 0; i < 100; i++) {
        sprintf(s + strlen(s), "%s\"m%zu\":%zu", i ? "," : "", i, i);
    }

    strcat(s, "}}");
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_OK
          && b.nfields == NGX_HTTP_RUM_BEACON_MAX_FIELDS
          && bt_field_is(&b, "m63", "63") && bt_field(&b, "m64") == NULL,
          "64 fields, %zu", b.nfields);
    free(s);

    /* long values are cut at a character boundary */

    s = malloc(3000);
    strcpy(s, "{\"view\":{\"id\":\"");
    memset(s + 15, 'a', 1023);
    strcpy(s + 15 + 1023, "\xc3\xa9tail\"}}");
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_OK
          && bt_field(&b, "view") != NULL
          && bt_field(&b, "view")->value_len == 1023, "cut before \xc3\xa9");

    memset(s + 15, 'a', 1022);
    strcpy(s + 15 + 1022, "\xc3\xa9tail\"}}");
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_OK
          && bt_field(&b, "view") != NULL
          && bt_field(&b, "view")->value_len == 1024, "\xc3\xa9 fits");

    memset(s + 15, 'a', 1024);
    strcpy(s + 15 + 1024, "\"}}");
    CHECK(bt_parse(&b, spec, s) == NGX_HTTP_RUM_BEACON_OK
          && bt_field(&b, "view") != NULL
          && bt_field(&b, "view")->value_len == 1024, "1024 kept");
    free(s);
}


static void
test_top(const ngx_http_rum_extract_t *spec)
{
    size_t                  i;
    char                    buf[256];
    ngx_http_rum_beacon_t   b;
    static const char      *bad[] = {
        "\"id\":\"\"", "\"id\":\"a b\"", "\"id\":\"a/b\"", "\"id\":1",
        "\"id\":null", "\"id\":true", "\"id\":{}", "\"id\":[]",
        "\"id\":[\"a\"]", "\"id\":\"\xc3\xa9\"",
        "\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaa\"",
        "\"kind\":\"Sample\"", "\"kind\":\"\"", "\"kind\":\"a-b\"",
        "\"kind\":\"a1\"", "\"kind\":1", "\"kind\":null",
        "\"kind\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        "\"seq\":-1", "\"seq\":1.0", "\"seq\":1e3", "\"seq\":\"1\"",
        "\"seq\":null", "\"seq\":1234567890123456", "\"seq\":{}",
        "\"seq\":-0", "\"id\":\"a\",\"id\":2", "\"kind\":\"a\",\"kind\":\"B\""
    };
    static const char      *good[] = {
        "\"id\":\"aZ09._:-\"",
        "\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaa\"",
        "\"kind\":\"entries\"", "\"kind\":\"a_b\"",
        "\"kind\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        "\"seq\":0", "\"seq\":123456789012345",
        "\"x\":{\"id\":1,\"kind\":2,\"seq\":\"x\"}", "\"ID\":1",
        "\"ids\":[]"
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(buf, sizeof(buf), "{\"a\":1,%s}", bad[i]);
        CHECK(bt_parse(&b, spec, buf) == NGX_HTTP_RUM_BEACON_FIELD,
              "bad top #%zu %s", i, bad[i]);
    }

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(buf, sizeof(buf), "{%s}", good[i]);
        CHECK(bt_parse(&b, spec, buf) == NGX_HTTP_RUM_BEACON_OK,
              "good top #%zu %s", i, good[i]);
    }

    CHECK(bt_parse(&b, spec, "{\"seq\":42,\"id\":\"first\",\"kind\":\"k\","
                             "\"id\":\"second\",\"kind\":\"l\",\"seq\":7}")
          == NGX_HTTP_RUM_BEACON_OK
          && bt_is(b.id, b.id_len, "first")
          && bt_is(b.kind, b.kind_len, "k")
          && bt_is(b.seq, b.seq_len, "42"), "first id, kind, seq kept");

    CHECK(bt_parse(&b, spec, "{\"session\":{\"id\":\"x y\"}}")
          == NGX_HTTP_RUM_BEACON_OK && b.id == NULL, "nested id is free");
}


static void
test_rules(void)
{
    size_t                   i;
    const char              *err;
    ngx_http_rum_beacon_t    b;
    ngx_http_rum_extract_t  *spec;
    static const char       *rules[] = {
        "browser", "attributes.browser",
        "net", "attributes.connection.effectiveType",
        "save", "attributes.connection.saveData",
        "obj", "attributes.device",
        "*", "attributes.device.*",
        "lcp2", "metrics.lcp",
        "href", "view.href",
        "href", "page.url",
        "root:seq", "seq"
    };
    static const char       *root[] = { "*", "*" };
    static const char       *bad[][2] = {
        { "", "a" }, { "a b", "a" }, { "a", "" }, { "a", "." },
        { "a", "b." }, { "a", ".b" }, { "a", "b..c" }, { "*", "a" },
        { "*", "a.b" }, { "a", "a.*" }, { "a", "*" }, { "*", "a.*b" },
        { "*", "*.a.*" }, { "a", "b.*.c" }, { "id", "a" }, { "ts", "a" },
        { "payload", "a" }, { "v", "a" }, { "kind", "a" }, { "seq", "a" },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "a" },
        { "a\"", "a" }, { "**", "a.*" }
    };
    static const char       *dup[] = { "a", "x.y", "b", "x.y" };
    static const char       *dupw[] = { "*", "x.*", "*", "x.*" };
    static const char       *deep[] = {
        "a", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24."
             "25.26.27.28.29.30.31.32.33"
    };
    static const char       *many[65 * 2];
    static char              names[65][8];

    spec = bt_spec(rules, sizeof(rules) / sizeof(rules[0]) / 2, &err);
    CHECK(spec != NULL, "rules: %s", err);

    if (spec == NULL) {
        return;
    }

    CHECK(bt_parse(&b, spec,
                   "{\"seq\":3,\"page\":{\"url\":\"u1\"},\"metrics\":"
                   "{\"lcp\":9},\"attributes\":{\"browser\":\"Firefox\","
                   "\"connection\":{\"effectiveType\":\"4g\",\"rtt\":50,"
                   "\"saveData\":false},\"device\":{\"type\":\"mobile\","
                   "\"cpu\":10,\"x\":{\"y\":1},\"charging\":true}},"
                   "\"view\":{\"href\":\"u2\"}}")
          == NGX_HTTP_RUM_BEACON_OK, "custom rules");
    CHECK(bt_field_is(&b, "root:seq", "3"), "rule on seq");
    CHECK(bt_field_is(&b, "href", "u1"), "first of two rules by name");
    CHECK(bt_field_is(&b, "lcp2", "9") && bt_field(&b, "lcp") == NULL,
          "custom metric");
    CHECK(bt_field_is(&b, "browser", "Firefox"), "browser");
    CHECK(bt_field_is(&b, "net", "4g"), "net");
    CHECK(bt_field_is(&b, "save", "false"), "save");
    CHECK(bt_field(&b, "obj") == NULL, "objects are not extracted");
    CHECK(bt_field_is(&b, "type", "mobile") && bt_field_is(&b, "cpu", "10")
          && bt_field_is(&b, "charging", "true") && bt_field(&b, "y") == NULL,
          "wildcard device.*");
    CHECK(bt_field(&b, "session") == NULL, "no defaults");
    CHECK(b.nfields == 9, "nfields %zu", b.nfields);

    spec = bt_spec(root, 1, &err);
    CHECK(spec != NULL, "root wildcard: %s", err);
    CHECK(spec != NULL
          && bt_parse(&b, spec, "{\"id\":\"x\",\"a\":1,\"b\":{\"c\":2},"
                                "\"d\":\"e\"}") == NGX_HTTP_RUM_BEACON_OK
          && b.nfields == 2 && bt_field_is(&b, "a", "1")
          && bt_field_is(&b, "d", "e") && bt_is(b.id, b.id_len, "x"),
          "root wildcard fields");

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        spec = bt_spec(bad[i], 1, &err);
        CHECK(spec == NULL && err != NULL,
              "bad rule #%zu \"%s\" \"%s\"", i, bad[i][0], bad[i][1]);
    }

    CHECK(bt_spec(dup, 2, &err) == NULL && err != NULL, "duplicate path");
    CHECK(bt_spec(dupw, 2, &err) == NULL && err != NULL, "duplicate *");
    CHECK(bt_spec(deep, 1, &err) == NULL && err != NULL, "too deep: %s", err);
    deep[1] += 2;
    CHECK(bt_spec(deep, 1, &err) != NULL, "32 deep: %s", err);

    for (i = 0; i < 65; i++) {
        snprintf(names[i], sizeof(names[i]), "f%zu", i);
        many[2 * i] = names[i];
        many[2 * i + 1] = names[i];
    }

    CHECK(bt_spec(many, 64, &err) != NULL, "64 rules: %s", err);
    CHECK(bt_spec(many, 65, &err) == NULL && err != NULL, "65 rules");
}


static void
test_nomem(const ngx_http_rum_extract_t *spec, const u_char *data,
    size_t len)
{
    int                     rc;
    long                    k;
    const char             *json;
    ngx_http_rum_beacon_t   b;

    /* escaped values need copies: fail each allocation in turn */

    json = "{\"id\":\"\\u0061\",\"session\":{\"id\":\"\\u0041\"},"
           "\"metrics\":{\"\\u0062\":\"\\u0042\",\"c\":1}}";

    for (k = 0; k < 8; k++) {
        bt_pool_reset();
        bt_pool.fail_after = k;
        rc = ngx_http_rum_beacon_parse(&b, spec, (const u_char *) json,
                                       strlen(json), bt_alloc, &bt_pool);
        if (rc == NGX_HTTP_RUM_BEACON_OK) {
            break;
        }

        CHECK(rc == NGX_HTTP_RUM_BEACON_NOMEM, "alloc %ld: %d", k, rc);
    }

    CHECK(k == 5, "%ld allocations", k);
    CHECK(rc == NGX_HTTP_RUM_BEACON_OK && bt_is(b.id, b.id_len, "a")
          && bt_field_is(&b, "session", "A") && bt_field_is(&b, "b", "B")
          && bt_field_is(&b, "c", "1"), "all copied");

    /* the 8-resource beacon needs one allocation: the field array */

    bt_pool_reset();
    bt_pool.fail_after = 0;
    CHECK(ngx_http_rum_beacon_parse(&b, spec, data, len, bt_alloc, &bt_pool)
          == NGX_HTTP_RUM_BEACON_NOMEM, "beacon-8 without memory");
    bt_pool_reset();
    bt_pool.fail_after = 1;
    CHECK(ngx_http_rum_beacon_parse(&b, spec, data, len, bt_alloc, &bt_pool)
          == NGX_HTTP_RUM_BEACON_OK, "beacon-8, one allocation");
    bt_pool_reset();
}


int
main(int argc, char **argv)
{
    u_char                  *beacon;
    size_t                   len;
    const char              *err;
    ngx_http_rum_extract_t  *spec;

    if (argc > 1) {
        bt_data_dir = argv[1];
    }

    bt_pool.fail_after = -1;

    beacon = bt_read("beacon-8.json", &len);

    spec = bt_spec(NULL, 0, &err);
    CHECK(spec != NULL, "default rules: %s", err);

    if (spec == NULL) {
        return 1;
    }

    test_errors(spec);
    test_depth(spec);
    test_limits(spec);
    test_utf8(spec);
    test_escapes(spec);
    test_truncated(spec, beacon, len);
    test_defaults(spec, beacon, len);
    test_values(spec);
    test_top(spec);
    test_rules();
    test_nomem(spec, beacon, len);

    bt_pool_reset();
    bt_spec_free();
    free(beacon);

    printf("beacon: %d passed, %d failed\n", bt_passed, bt_failed);

    return bt_failed ? 1 : 0;
}
