
/*
 * ngx_http_rum_module: the check of a spool file (see the header).
 */


#include <string.h>

#include <zlib.h>

#include "ngx_http_rum_spool_check.h"


#define NGX_HTTP_RUM_SPOOL_LEN_DIGITS  10


static int ngx_http_rum_spool_number(const unsigned char *p,
    const unsigned char *last, int base, size_t *n);


int
ngx_http_rum_spool_check(const unsigned char *p, size_t size,
    size_t *entries, const unsigned char **first)
{
    size_t                len, count, sum, n;
    const unsigned char  *end, *t, *s, *nl;

    end = p + size;

    if (size < sizeof(NGX_HTTP_RUM_SPOOL_MAGIC) - 1
               + sizeof("\nEND 0 00000000\n") - 1
        || memcmp(p, NGX_HTTP_RUM_SPOOL_MAGIC,
                  sizeof(NGX_HTTP_RUM_SPOOL_MAGIC) - 1) != 0
        || end[-1] != '\n')
    {
        return -1;
    }

    /* the trailer: the last line, "END <count> <crc32>" */

    for (t = end - 1; t > p && t[-1] != '\n'; t--) { /* void */ }

    if (t == p || end - t < (long) (sizeof("END 0 00000000\n") - 1)
        || memcmp(t, "END ", 4) != 0)
    {
        return -1;
    }

    s = memchr(t + 4, ' ', end - (t + 4));

    if (s == NULL || end - s != 10
        || ngx_http_rum_spool_number(t + 4, s, 10, &count) != 0
        || ngx_http_rum_spool_number(s + 1, end - 1, 16, &sum) != 0)
    {
        return -1;
    }

    if (crc32(crc32(0L, Z_NULL, 0), p, (uInt) (t - p)) != sum) {
        return -1;
    }

    /* the magic line, then the records, up to the trailer */

    nl = memchr(p, '\n', t - p);
    if (nl == NULL) {
        return -1;
    }

    p = nl + 1;
    *first = p;

    for (n = 0; p < t; n++) {
        nl = memchr(p, '\n', t - p);

        if (nl == NULL || nl == p
            || nl - p > NGX_HTTP_RUM_SPOOL_LEN_DIGITS
            || ngx_http_rum_spool_number(p, nl, 10, &len) != 0)
        {
            return -1;
        }

        p = nl + 1;

        if (len < sizeof("*1\r\n") - 1
            || (size_t) (t - p) < len + 1
            || p[0] != '*'
            || p[len - 2] != '\r' || p[len - 1] != '\n'
            || p[len] != '\n')
        {
            return -1;
        }

        p += len + 1;
    }

    if (n != count) {
        return -1;
    }

    *entries = n;

    return 0;
}


size_t
ngx_http_rum_spool_record(const unsigned char **p)
{
    size_t                len;
    const unsigned char  *s;

    len = 0;

    for (s = *p; *s != '\n'; s++) {
        len = len * 10 + (*s - '0');
    }

    *p = s + 1;

    return len;
}


/* digits only, all of [p, last): 0 and the number, or -1 */

static int
ngx_http_rum_spool_number(const unsigned char *p, const unsigned char *last,
    int base, size_t *n)
{
    int     d;
    size_t  v;

    if (p == last || last - p > 16) {
        return -1;
    }

    for (v = 0; p < last; p++) {
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';

        } else if (base == 16 && *p >= 'a' && *p <= 'f') {
            d = *p - 'a' + 10;

        } else {
            return -1;
        }

        v = v * base + d;
    }

    *n = v;

    return 0;
}
