
/*
 * Unit tests of Redis Cluster routing's pure parts (src/ngx_http_rum_slot.c):
 * key slots against what "CLUSTER KEYSLOT" answers, the key of a command,
 * redirections, and CLUSTER SLOTS replies read by hiredis' own reader.
 *
 *     t/unit/build.sh          builds and runs them (ASan/UBSan, valgrind)
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_rum_slot.h"


static int  st_passed;
static int  st_failed;


#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (cond) {                                                          \
            st_passed++;                                                     \
        } else {                                                             \
            st_failed++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
        }                                                                    \
    } while (0)


/* what Redis 7.0 answers to CLUSTER KEYSLOT */
static struct {
    const char  *key;
    unsigned     slot;
} st_slots[] = {
    { "123456789", 12739 },
    { "foo", 12182 },
    { "bar", 5061 },
    { "{user1000}.following", 3443 },
    { "user1000", 3443 },
    { "foo{}{bar}", 8363 },        /* an empty tag: the whole key */
    { "foo{{bar}}zap", 4015 },     /* the tag is "{bar" */
    { "{bar", 4015 },
    { "foo{bar}{zap}", 5061 },     /* the first tag only */
    { "rum:{7}", 1716 },
    { "", 0 },
};


static redisReply *
st_reply(const char *resp)
{
    void         *reply;
    redisReader  *reader;

    reader = redisReaderCreate();
    redisReaderFeed(reader, resp, strlen(resp));

    if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
        reply = NULL;
    }

    redisReaderFree(reader);

    return reply;
}


static void
st_test_slots(void)
{
    size_t  i;

    for (i = 0; i < sizeof(st_slots) / sizeof(st_slots[0]); i++) {
        CHECK(ngx_http_rum_slot((const unsigned char *) st_slots[i].key,
                                strlen(st_slots[i].key))
              == st_slots[i].slot, "%s", st_slots[i].key);
    }
}


static void
st_test_key(void)
{
    size_t                n;
    const char           *c;
    const unsigned char  *key;

    c = "*5\r\n$4\r\nXADD\r\n$7\r\nrum:{3}\r\n$1\r\n*\r\n$1\r\nv\r\n$1\r\n1\r\n";
    CHECK(ngx_http_rum_slot_key((const unsigned char *) c, strlen(c), &key,
                                &n) == 0
          && n == 7 && memcmp(key, "rum:{3}", 7) == 0, "an XADD");

    c = "*2\r\n$4\r\nXADD\r\n$0\r\n\r\n";
    CHECK(ngx_http_rum_slot_key((const unsigned char *) c, strlen(c), &key,
                                &n) == 0 && n == 0, "an empty key");

    /* what is not a command with a key */

    c = "*1\r\n$4\r\nPING\r\n";
    CHECK(ngx_http_rum_slot_key((const unsigned char *) c, strlen(c), &key,
                                &n) == -1, "no key");

    c = "*2\r\n$4\r\nXADD\r\n$9\r\nrum\r\n";
    CHECK(ngx_http_rum_slot_key((const unsigned char *) c, strlen(c), &key,
                                &n) == -1, "a key longer than the command");

    c = "*2\r\n$4\r\nXADD\r\n$99999999999\r\n";
    CHECK(ngx_http_rum_slot_key((const unsigned char *) c, strlen(c), &key,
                                &n) == -1, "a length too long");

    c = "+OK\r\n";
    CHECK(ngx_http_rum_slot_key((const unsigned char *) c, strlen(c), &key,
                                &n) == -1, "not an array");

    CHECK(ngx_http_rum_slot_key((const unsigned char *) "", 0, &key, &n)
          == -1, "nothing");
}


static void
st_test_redirect(void)
{
    int          port;
    size_t       len;
    unsigned     slot;
    const char  *s, *host;

    s = "MOVED 3999 127.0.0.1:6381";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 1 && slot == 3999 && len == 9
          && memcmp(host, "127.0.0.1", 9) == 0 && port == 6381, "%s", s);

    s = "ASK 16383 ::1:7001";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 2 && slot == 16383 && len == 3
          && memcmp(host, "::1", 3) == 0 && port == 7001, "%s", s);

    s = "MOVED 0 [fe80::1]:7002";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 1 && slot == 0 && len == 7
          && memcmp(host, "fe80::1", 7) == 0 && port == 7002, "%s", s);

    /* an unknown endpoint: the host of the node that answered */

    s = "MOVED 12 :7003";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 1 && len == 0 && port == 7003, "%s", s);

    s = "MOVED 12 ?:7003";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 1 && len == 0 && port == 7003, "%s", s);

    /* not redirections */

    s = "MOVED 16384 127.0.0.1:6381";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 0, "%s", s);

    s = "MOVED 12 127.0.0.1:65536";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 0, "%s", s);

    s = "MOVED 12 127.0.0.1";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 0, "%s", s);

    s = "MOVED 12 127.0.0.1:";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 0, "%s", s);

    s = "MOVED x 127.0.0.1:1";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 0, "%s", s);

    s = "TRYAGAIN Multiple keys request during rehashing of slot";
    CHECK(ngx_http_rum_slot_redirect(s, strlen(s), &slot, &host, &len, &port)
          == 0, "%s", s);
}


static void
st_test_ranges(void)
{
    int                         n;
    redisReply                 *r;
    ngx_http_rum_slot_range_t   ranges[8];

    /* three primaries, one with a replica, one with two ranges */

    r = st_reply("*4\r\n"
                 "*4\r\n:0\r\n:5460\r\n"
                 "*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n"
                 "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nid\r\n"
                 "*3\r\n:5461\r\n:10922\r\n"
                 "*3\r\n$9\r\n127.0.0.2\r\n:7001\r\n$2\r\nid\r\n"
                 "*3\r\n:10923\r\n:16000\r\n"
                 "*2\r\n$0\r\n\r\n:7002\r\n"
                 "*3\r\n:16001\r\n:16383\r\n"
                 "*2\r\n$1\r\n?\r\n:7002\r\n");
    n = ngx_http_rum_slot_ranges(r, ranges);

    CHECK(n == 4, "%d ranges", n);
    CHECK(n == 4 && ranges[0].start == 0 && ranges[0].end == 5460
          && ranges[0].host_len == 9 && ranges[0].port == 7000, "range 0");
    CHECK(n == 4 && ranges[1].start == 5461 && ranges[1].end == 10922
          && memcmp(ranges[1].host, "127.0.0.2", 9) == 0
          && ranges[1].port == 7001, "range 1");
    CHECK(n == 4 && ranges[2].host_len == 0 && ranges[2].port == 7002,
          "an empty host");
    CHECK(n == 4 && ranges[3].host_len == 0 && ranges[3].end == 16383,
          "an unknown endpoint");
    freeReplyObject(r);

    r = st_reply("*0\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == 0, "no slots");
    freeReplyObject(r);

    /* not slot maps */

    r = st_reply("-ERR This instance has cluster support disabled\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == -1, "an error");
    freeReplyObject(r);

    r = st_reply("*1\r\n*3\r\n:0\r\n:16384\r\n"
                 "*2\r\n$1\r\na\r\n:1\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == -1, "slot 16384");
    freeReplyObject(r);

    r = st_reply("*1\r\n*3\r\n:9\r\n:8\r\n"
                 "*2\r\n$1\r\na\r\n:1\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == -1, "an empty range");
    freeReplyObject(r);

    r = st_reply("*1\r\n*3\r\n:0\r\n:1\r\n"
                 "*2\r\n$1\r\na\r\n:0\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == -1, "port 0");
    freeReplyObject(r);

    r = st_reply("*1\r\n*2\r\n:0\r\n:1\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == -1, "no primary");
    freeReplyObject(r);

    r = st_reply("*1\r\n*3\r\n:0\r\n:1\r\n*1\r\n$1\r\na\r\n");
    CHECK(ngx_http_rum_slot_ranges(r, ranges) == -1, "no port");
    freeReplyObject(r);

    CHECK(ngx_http_rum_slot_ranges(NULL, ranges) == -1, "no reply");
}


int
main(void)
{
    st_test_slots();
    st_test_key();
    st_test_redirect();
    st_test_ranges();

    printf("slot_test: %d passed, %d failed\n", st_passed, st_failed);

    return st_failed ? 1 : 0;
}
