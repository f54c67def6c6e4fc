
/*
 * ngx_http_rum_module: what the Redis connection code and the cluster
 * routing share (not for the rest of the module).
 */


#ifndef _NGX_HTTP_RUM_REDIS_INT_H_INCLUDED_
#define _NGX_HTTP_RUM_REDIS_INT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_rum_module.h"


typedef struct ngx_http_rum_cluster_s  ngx_http_rum_cluster_t;


#define NGX_HTTP_RUM_REDIS_DISCONNECTED   0  /* the backoff timer runs */
#define NGX_HTTP_RUM_REDIS_CONNECTING     1  /* the connect timer runs */
#define NGX_HTTP_RUM_REDIS_SETUP          2  /* AUTH, SELECT, PING sent */
#define NGX_HTTP_RUM_REDIS_READY          3
#define NGX_HTTP_RUM_REDIS_CLOSING        4  /* a transient error reply */
#define NGX_HTTP_RUM_REDIS_RESOLVING      5  /* asking a sentinel, or a
                                                 cluster node for its map */

/* the last state change logged */
#define NGX_HTTP_RUM_REDIS_LOGGED_NONE    0
#define NGX_HTTP_RUM_REDIS_LOGGED_UP      1
#define NGX_HTTP_RUM_REDIS_LOGGED_DOWN    2

/* what may be written but not answered, so hiredis' buffer stays small */
#define NGX_HTTP_RUM_REDIS_MAX_INFLIGHT        512
#define NGX_HTTP_RUM_REDIS_MAX_INFLIGHT_BYTES  (1024 * 1024)

#define NGX_HTTP_RUM_REDIS_BACKOFF_MIN    100
#define NGX_HTTP_RUM_REDIS_BACKOFF_MAX    5000
#define NGX_HTTP_RUM_REDIS_STABLE         10000  /* then backoff restarts */
#define NGX_HTTP_RUM_REDIS_STALL          10000  /* no reply: reconnect */
#define NGX_HTTP_RUM_REDIS_TICK           1000
#define NGX_HTTP_RUM_REDIS_EXIT_TICK      100
#define NGX_HTTP_RUM_REDIS_EXIT_FLUSH     3000
#define NGX_HTTP_RUM_REDIS_LOG_EVERY      100    /* failed attempts */
#define NGX_HTTP_RUM_REDIS_SPOOL_SCAN     1000
#define NGX_HTTP_RUM_REDIS_SENTINEL_CHECK 1000   /* while entries flow */


struct ngx_http_rum_redis_server_s {
    ngx_str_t                     name;       /* as configured, for logs */
    ngx_http_rum_main_conf_t     *rmcf;       /* rum_queue */
    char                        **hosts;      /* IP addresses, resolved */
    int                          *ports;
    ngx_uint_t                    nhosts;
    char                         *path;       /* a unix socket */
    ngx_str_t                     sentinel;   /* the primary's name */
    ngx_str_t                     user;
    ngx_str_t                     password;
    ngx_int_t                     db;
    ngx_msec_t                    connect_timeout;
    uint32_t                      spool_key;  /* in spool file names */
    ngx_uint_t                    slot;       /* its counters, 0: none */
    unsigned                      clustered:1;    /* rum_redis cluster */

    /* a cluster: its slot map and nodes in this worker (the front) */
    ngx_http_rum_cluster_t       *cluster;
    ngx_http_rum_redis_server_t  *front;      /* a node: its cluster */
    ngx_queue_t                   node;       /* in the cluster's nodes */
    unsigned                      serving:1;  /* a node in the last map */

    /* the state of this worker's connection */
    ngx_queue_t                   link;       /* in the started servers */
    redisAsyncContext            *ac;
    ngx_uint_t                    state;
    ngx_uint_t                    setup;      /* setup replies awaited */
    ngx_uint_t                    host;       /* index in hosts */
    char                          primary[NGX_SOCKADDR_STRLEN + 1];
    int                           primary_port;   /* 0: ask a sentinel */
    char                          known[NGX_SOCKADDR_STRLEN + 1];
    int                           known_port;     /* the last one named */
    redisAsyncContext            *check;      /* asking while connected */
    ngx_msec_t                    checked;
    ngx_queue_t                   pending;
    ngx_queue_t                   inflight;
    ngx_uint_t                    inflight_n;
    size_t                        inflight_bytes;
    ngx_msec_t                    backoff;
    ngx_uint_t                    failures;   /* since the last connect */
    ngx_msec_t                    ready_at;
    ngx_msec_t                    progress;   /* last reply, or a write */
    time_t                        error_logged;
    uint32_t                      failure_logged;  /* its reason, hashed */
    ngx_event_t                   timer;      /* connect timeout, backoff */
    ngx_log_t                    *log;
    unsigned                      logged:2;
    unsigned                      started:1;
    unsigned                      stopping:1;
    unsigned                      connected:1;   /* counted in gauges */
    unsigned                      refusing:1;    /* a transient error */
    unsigned                      answered:1;    /* the sentinel did */
};


typedef struct {
    ngx_queue_t                   queue;
    ngx_http_rum_redis_server_t  *server;
    size_t                        size;       /* counted against rum_queue */
    size_t                        len;        /* of the RESP command */
    unsigned                      slot:14;    /* in a cluster */
    unsigned                      asking:1;   /* ASKING goes first */
    unsigned                      redirects:5;
    unsigned                      written:1;
    u_char                        data[1];
} ngx_http_rum_entry_t;


/* a server's connection: start, stop, a failed attempt, a lost one */
void ngx_http_rum_redis_start(ngx_http_rum_redis_server_t *server,
    ngx_log_t *log);
void ngx_http_rum_redis_stop(ngx_http_rum_redis_server_t *server);
void ngx_http_rum_redis_failure(ngx_http_rum_redis_server_t *server,
    const char *what, const char *detail);
void ngx_http_rum_redis_lost(ngx_http_rum_redis_server_t *server);

/*
 * A connection of the server's (to it, to a sentinel, to a cluster node:
 * host NULL for its unix socket), attached to nginx's event loop, with its
 * callbacks; NULL after a failure, logged as "what" when not NULL.
 */
redisAsyncContext *ngx_http_rum_redis_open(
    ngx_http_rum_redis_server_t *server, const char *host, int port,
    const char *what, redisConnectCallback *connected,
    redisDisconnectCallback *disconnected);

/* whether an address Redis gave is an IP address (never resolved) */
ngx_uint_t ngx_http_rum_redis_numeric(const char *host, size_t len);

/* AUTH [user] password on the server's connection (ac) */
int ngx_http_rum_redis_auth(ngx_http_rum_redis_server_t *server,
    redisCallbackFn *fn);

/* one server's counters: a JSON object, a Prometheus sample */
u_char *ngx_http_rum_redis_server_json(u_char *p, ngx_str_t *name,
    ngx_str_t *cluster, ngx_http_rum_server_counters_t *c);
u_char *ngx_http_rum_redis_server_sample(u_char *p, char *family,
    ngx_str_t *name, ngx_str_t *cluster, ngx_atomic_t *v);

/* a connect callback's failure: logged, counted, retried after backoff */
void ngx_http_rum_redis_not_open(ngx_http_rum_redis_server_t *server,
    const char *what, const redisAsyncContext *ac);

/* writes what the server's queue holds, within the in-flight bounds */
void ngx_http_rum_redis_write(ngx_http_rum_redis_server_t *server);

/*
 * Moves a queued entry (taken out of its queue by the caller) to the tail
 * of another server's queue, and writes it when that one is ready.
 */
void ngx_http_rum_redis_move(ngx_http_rum_entry_t *e,
    ngx_http_rum_redis_server_t *to);

/* a front with a map counts as connected: n is 1, or -1 */
void ngx_http_rum_redis_connected_count(ngx_int_t n);

/* the entries of this worker, all servers together, in bytes */
extern size_t  ngx_http_rum_redis_queued;


#endif /* _NGX_HTTP_RUM_REDIS_INT_H_INCLUDED_ */
