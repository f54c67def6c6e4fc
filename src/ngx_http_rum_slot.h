
/*
 * ngx_http_rum_module: the pure parts of Redis Cluster routing.
 *
 * Pure: libc, and hiredis' reply type for the slot map, so that the unit
 * tests and the fuzz target link it alone.
 */


#ifndef _NGX_HTTP_RUM_SLOT_H_INCLUDED_
#define _NGX_HTTP_RUM_SLOT_H_INCLUDED_


#include <stddef.h>

#include <hiredis/hiredis.h>


#define NGX_HTTP_RUM_SLOTS  16384


/* a range of slots and the address of the primary that serves it */
typedef struct {
    unsigned                      start;
    unsigned                      end;
    const char                   *host;    /* may be empty: the node asked */
    size_t                        host_len;
    int                           port;
} ngx_http_rum_slot_range_t;


/*
 * The hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag
 * (what is between the first "{" and the next "}", when not empty),
 * modulo 16384, as Redis Cluster computes it.
 */
unsigned ngx_http_rum_slot(const unsigned char *key, size_t len);

/*
 * The key of a command in the Redis protocol, its second argument:
 * "*N\r\n$4\r\nXADD\r\n$L\r\nKEY\r\n...".  0 and *key, *key_len set, or -1
 * when it is not a command with a key.
 */
int ngx_http_rum_slot_key(const unsigned char *p, size_t len,
    const unsigned char **key, size_t *key_len);

/*
 * A redirection, "MOVED 3999 127.0.0.1:6381" or "ASK 3999 [::1]:6381":
 * 1 for MOVED, 2 for ASK, with its slot, host (possibly empty: the same
 * host as the node that answered) and port; 0 for any other error.
 */
int ngx_http_rum_slot_redirect(const char *s, size_t len, unsigned *slot,
    const char **host, size_t *host_len, int *port);

/*
 * A CLUSTER SLOTS reply: the ranges and their primaries, into ranges (room
 * for reply->elements of them).  Returns how many, or -1 when the reply is
 * not a slot map (an error, a wrong type, a range out of bounds, a bad
 * port).
 */
int ngx_http_rum_slot_ranges(const redisReply *reply,
    ngx_http_rum_slot_range_t *ranges);


#endif /* _NGX_HTTP_RUM_SLOT_H_INCLUDED_ */
