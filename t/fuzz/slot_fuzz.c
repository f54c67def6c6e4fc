
/*
 * libFuzzer target of Redis Cluster routing's pure parts
 * (src/ngx_http_rum_slot.c).
 *
 * The input is read as a command in the Redis protocol (its key must lie
 * inside it), as an error reply (a redirection's host must lie inside it,
 * its slot and port in range), as a key (its slot in range, a key and its
 * hash tag alone in the same slot), and as replies for hiredis' reader,
 * each taken as a CLUSTER SLOTS answer (the ranges it gives must be in
 * bounds and point into the reply).
 *
 *     t/fuzz/run.sh slot [runs]
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_rum_slot.h"


static void
check_ranges(const redisReply *r)
{
    int                         i, n;
    ngx_http_rum_slot_range_t  *ranges;

    ranges = malloc(((r->type == REDIS_REPLY_ARRAY ? r->elements : 0) + 1)
                    * sizeof(ngx_http_rum_slot_range_t));
    if (ranges == NULL) {
        return;
    }

    n = ngx_http_rum_slot_ranges(r, ranges);

    if (n > 0 && (r->type != REDIS_REPLY_ARRAY || (size_t) n > r->elements)) {
        abort();
    }

    for (i = 0; i < n; i++) {
        if (ranges[i].start > ranges[i].end
            || ranges[i].end >= NGX_HTTP_RUM_SLOTS
            || ranges[i].port <= 0 || ranges[i].port > 65535
            || (ranges[i].host_len && ranges[i].host == NULL))
        {
            abort();
        }
    }

    free(ranges);
}


/* hiredis allocates what an array header says: not more than 9,999 */

static int
small_arrays(const uint8_t *data, size_t size)
{
    size_t  i, digits;

    for (i = 0; i < size; i++) {
        if (data[i] != '*') {
            continue;
        }

        for (digits = 0; i + 1 < size && data[i + 1] >= '0'
                         && data[i + 1] <= '9'; i++)
        {
            if (++digits > 4) {
                return 0;
            }
        }
    }

    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   port;
    void                 *reply;
    size_t                n, i;
    unsigned              slot;
    const char           *host;
    redisReader          *reader;
    const unsigned char  *key, *open, *close;

    /* a command: its key inside it */

    if (ngx_http_rum_slot_key(data, size, &key, &n) == 0
        && (key < data || key + n > data + size))
    {
        abort();
    }

    /* an error reply */

    switch (ngx_http_rum_slot_redirect((const char *) data, size, &slot,
                                       &host, &n, &port))
    {
    case 0:
        break;

    case 1:
    case 2:
        if (slot >= NGX_HTTP_RUM_SLOTS || port <= 0 || port > 65535
            || host < (const char *) data
            || host + n > (const char *) data + size)
        {
            abort();
        }

        break;

    default:
        abort();
    }

    /* a key: a hash tag and the key it is in share a slot */

    slot = ngx_http_rum_slot(data, size);

    if (slot >= NGX_HTTP_RUM_SLOTS) {
        abort();
    }

    open = memchr(data, '{', size);

    if (open) {
        close = memchr(open + 1, '}', data + size - open - 1);

        if (close && close > open + 1
            && ngx_http_rum_slot(open + 1, close - open - 1) != slot)
        {
            abort();
        }
    }

    /* replies, as a node would send them */

    if (!small_arrays(data, size)) {
        return 0;
    }

    reader = redisReaderCreate();
    if (reader == NULL) {
        return 0;
    }

    if (redisReaderFeed(reader, (const char *) data, size) == REDIS_OK) {
        for (i = 0; i < 8; i++) {
            if (redisReaderGetReply(reader, &reply) != REDIS_OK
                || reply == NULL)
            {
                break;
            }

            check_ranges(reply);
            freeReplyObject(reply);
        }
    }

    redisReaderFree(reader);

    return 0;
}
