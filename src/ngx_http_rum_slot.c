
/*
 * ngx_http_rum_module: the pure parts of Redis Cluster routing (see the
 * header).
 */


#include <string.h>

#include "ngx_http_rum_slot.h"


static int ngx_http_rum_slot_number(const unsigned char **p,
    const unsigned char *last, size_t *n);


unsigned
ngx_http_rum_slot(const unsigned char *key, size_t len)
{
    size_t     i, s, e;
    unsigned   crc, b;

    /* the hash tag: from the first "{" to the next "}", when not empty */

    for (s = 0; s < len; s++) {
        if (key[s] == '{') {
            break;
        }
    }

    if (s < len) {
        for (e = s + 1; e < len; e++) {
            if (key[e] == '}') {
                break;
            }
        }

        if (e < len && e != s + 1) {
            key += s + 1;
            len = e - s - 1;
        }
    }

    /* CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0 */

    crc = 0;

    for (i = 0; i < len; i++) {
        crc ^= (unsigned) key[i] << 8;

        for (b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
        }

        crc &= 0xffff;
    }

    return crc & (NGX_HTTP_RUM_SLOTS - 1);
}


int
ngx_http_rum_slot_key(const unsigned char *p, size_t len,
    const unsigned char **key, size_t *key_len)
{
    size_t                argc, n;
    const unsigned char  *last;

    last = p + len;

    /* "*N\r\n", then "$L\r\n" and L bytes and "\r\n" per argument */

    if (p == last || *p++ != '*'
        || ngx_http_rum_slot_number(&p, last, &argc) != 0 || argc < 2)
    {
        return -1;
    }

    if (p == last || *p++ != '$'
        || ngx_http_rum_slot_number(&p, last, &n) != 0
        || (size_t) (last - p) < n + 2)
    {
        return -1;
    }

    p += n + 2;

    if (p == last || *p++ != '$'
        || ngx_http_rum_slot_number(&p, last, &n) != 0
        || (size_t) (last - p) < n + 2
        || p[n] != '\r' || p[n + 1] != '\n')
    {
        return -1;
    }

    *key = p;
    *key_len = n;

    return 0;
}


/* decimal digits, then "\r\n" */

static int
ngx_http_rum_slot_number(const unsigned char **p, const unsigned char *last,
    size_t *n)
{
    size_t                v;
    const unsigned char  *s;

    v = 0;

    for (s = *p; s < last && *s >= '0' && *s <= '9'; s++) {
        if (s - *p == 10) {
            return -1;
        }

        v = v * 10 + (*s - '0');
    }

    if (s == *p || last - s < 2 || s[0] != '\r' || s[1] != '\n') {
        return -1;
    }

    *p = s + 2;
    *n = v;

    return 0;
}


int
ngx_http_rum_slot_redirect(const char *s, size_t len, unsigned *slot,
    const char **host, size_t *host_len, int *port)
{
    int          kind;
    size_t       i, colon;
    unsigned     v;
    const char  *last;

    last = s + len;

    if (len > 6 && memcmp(s, "MOVED ", 6) == 0) {
        kind = 1;
        s += 6;

    } else if (len > 4 && memcmp(s, "ASK ", 4) == 0) {
        kind = 2;
        s += 4;

    } else {
        return 0;
    }

    /* the slot */

    v = 0;

    for (i = 0; s + i < last && s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (s[i] - '0');

        if (v >= NGX_HTTP_RUM_SLOTS) {
            return 0;
        }
    }

    if (i == 0 || s + i == last || s[i] != ' ') {
        return 0;
    }

    s += i + 1;

    /* host:port, [ipv6]:port or ipv6:port: the port after the last ":" */

    colon = (size_t) -1;

    for (i = 0; s + i < last; i++) {
        if (s[i] == ':') {
            colon = i;

        } else if (s[i] == ' ') {
            break;
        }
    }

    if (colon == (size_t) -1 || colon + 1 == i || i - colon - 1 > 5) {
        return 0;
    }

    *port = 0;

    for (len = colon + 1; len < i; len++) {
        if (s[len] < '0' || s[len] > '9') {
            return 0;
        }

        *port = *port * 10 + (s[len] - '0');
    }

    if (*port == 0 || *port > 65535) {
        return 0;
    }

    *slot = v;
    *host = s;
    *host_len = colon;

    if (colon >= 2 && s[0] == '[' && s[colon - 1] == ']') {
        *host = s + 1;
        *host_len = colon - 2;
    }

    if (*host_len == 1 && **host == '?') {
        *host_len = 0;
    }

    return kind;
}


int
ngx_http_rum_slot_ranges(const redisReply *reply,
    ngx_http_rum_slot_range_t *ranges)
{
    int          n;
    size_t       i;
    redisReply  *r, *node;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        return -1;
    }

    n = 0;

    for (i = 0; i < reply->elements; i++) {
        r = reply->element[i];

        /* start, end, the primary [host, port, id, ...], its replicas */

        if (r->type != REDIS_REPLY_ARRAY || r->elements < 3
            || r->element[0]->type != REDIS_REPLY_INTEGER
            || r->element[1]->type != REDIS_REPLY_INTEGER
            || r->element[0]->integer < 0
            || r->element[0]->integer > r->element[1]->integer
            || r->element[1]->integer >= NGX_HTTP_RUM_SLOTS)
        {
            return -1;
        }

        node = r->element[2];

        if (node->type != REDIS_REPLY_ARRAY || node->elements < 2
            || node->element[0]->type != REDIS_REPLY_STRING
            || node->element[1]->type != REDIS_REPLY_INTEGER
            || node->element[1]->integer <= 0
            || node->element[1]->integer > 65535)
        {
            return -1;
        }

        ranges[n].start = (unsigned) r->element[0]->integer;
        ranges[n].end = (unsigned) r->element[1]->integer;
        ranges[n].host = node->element[0]->str;
        ranges[n].host_len = node->element[0]->len;
        ranges[n].port = (int) node->element[1]->integer;

        if (ranges[n].host_len == 1 && ranges[n].host[0] == '?') {
            ranges[n].host_len = 0;
        }

        n++;
    }

    return n;
}
