
/*
 * libFuzzer target of the spool file check (src/ngx_http_rum_spool_check.c).
 *
 * The input is checked as a spool file as it is: whatever comes, the check
 * must not read outside it, and when it passes, every record it vouches
 * for lies inside the file and is a Redis command.  Then the input is cut
 * into records (at each 0xff byte), written as a worker would write them
 * (each made a command), and the check must pass and give back the same
 * records; with one byte of it changed, it must fail.
 *
 *     t/fuzz/run.sh spool [runs]
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ngx_http_rum_spool_check.h"


static void
vouched(const unsigned char *file, size_t size, size_t entries,
    const unsigned char *p)
{
    size_t  len;

    while (entries--) {
        len = ngx_http_rum_spool_record(&p);

        if (p < file || p + len + 1 > file + size || len < 4
            || p[0] != '*' || p[len - 2] != '\r' || p[len - 1] != '\n')
        {
            abort();
        }

        p += len + 1;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                i, n, len, entries, cap, off;
    uLong                 crc;
    unsigned char        *copy, *file, *rec;
    const unsigned char  *first, *p, *s;

    /* as it is, in its own allocation: ASan sees any read past it */

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    if (ngx_http_rum_spool_check(copy, size, &entries, &first) == 0) {
        vouched(copy, size, entries, first);
    }

    free(copy);

    /* as a worker writes it: records cut at 0xff, each made a command */

    cap = 64 + 3 * size + 32 * (size + 1);
    file = malloc(cap);
    if (file == NULL) {
        return 0;
    }

    off = sprintf((char *) file, "%sserver:6379\n", NGX_HTTP_RUM_SPOOL_MAGIC);
    n = 0;

    for (s = data, i = 0; i <= size; i++) {
        if (i < size && data[i] != 0xff) {
            continue;
        }

        len = (data + i) - s;

        /* "*1\r\n$<len>\r\n<bytes>\r\n" */
        off += sprintf((char *) file + off, "%zu\n",
                       len + 4 + 1 + snprintf(NULL, 0, "%zu", len) + 2 + 2);
        off += sprintf((char *) file + off, "*1\r\n$%zu\r\n", len);
        memcpy(file + off, s, len);
        off += len;
        memcpy(file + off, "\r\n\n", 3);
        off += 3;

        n++;
        s = data + i + 1;
    }

    crc = crc32(crc32(0L, Z_NULL, 0), file, (uInt) off);
    off += sprintf((char *) file + off, "END %zu %08lx\n", n, crc);

    rec = malloc(off);
    if (rec == NULL) {
        free(file);
        return 0;
    }

    memcpy(rec, file, off);

    if (ngx_http_rum_spool_check(rec, off, &entries, &first) != 0
        || entries != n)
    {
        abort();
    }

    vouched(rec, off, entries, first);

    /* the records come back as written */

    p = first;

    for (s = data, i = 0; i <= size; i++) {
        if (i < size && data[i] != 0xff) {
            continue;
        }

        len = ngx_http_rum_spool_record(&p);
        p += len + 1;

        /* the bytes end the command, before its "\r\n" and the "\n" */

        if (memcmp(p - 3 - ((data + i) - s), s, (data + i) - s) != 0) {
            abort();
        }

        s = data + i + 1;
    }

    /* one byte changed anywhere before the trailer: it must not check */

    if (size) {
        i = data[0] % (off - 16);
        rec[i] ^= 0x01;

        if (ngx_http_rum_spool_check(rec, off, &entries, &first) == 0) {
            abort();
        }
    }

    free(rec);
    free(file);

    return 0;
}
