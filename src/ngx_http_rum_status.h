
/*
 * ngx_http_rum_module: counters shared by all workers.
 */


#ifndef _NGX_HTTP_RUM_STATUS_H_INCLUDED_
#define _NGX_HTTP_RUM_STATUS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_RUM_MAX_WORKERS  256
#define NGX_HTTP_RUM_MAX_SERVERS  64      /* rum_redis servers counted */


/* why a beacon was refused; the order is the order of the status output */
typedef enum {
    NGX_HTTP_RUM_REJECT_METHOD = 0,      /* 405 */
    NGX_HTTP_RUM_REJECT_ORIGIN,          /* 403 */
    NGX_HTTP_RUM_REJECT_TOO_LARGE,       /* 413, also after gunzip */
    NGX_HTTP_RUM_REJECT_ENCODING,        /* 415/400: bad Content-Encoding */
    NGX_HTTP_RUM_REJECT_INVALID,         /* 400: not JSON, truncated */
    NGX_HTTP_RUM_REJECT_NOT_OBJECT,      /* 400 */
    NGX_HTTP_RUM_REJECT_TOO_DEEP,        /* 400 */
    NGX_HTTP_RUM_REJECT_TOO_LONG,        /* 400: a string or key too long */
    NGX_HTTP_RUM_REJECT_UTF8,            /* 400 */
    NGX_HTTP_RUM_REJECT_FIELD,           /* 400: bad id, kind or seq */
    NGX_HTTP_RUM_REJECT_QUEUE_FULL,      /* 503 */
    NGX_HTTP_RUM_REJECT_ERROR,           /* 500 */
    NGX_HTTP_RUM_REJECT_N
} ngx_http_rum_reject_e;


/* why a page was not injected */
typedef enum {
    NGX_HTTP_RUM_SKIP_OFF = 0,           /* rum $variable was off */
    NGX_HTTP_RUM_SKIP_STATUS,            /* not 200 */
    NGX_HTTP_RUM_SKIP_TYPE,              /* not in rum_types */
    NGX_HTTP_RUM_SKIP_SUBREQUEST,
    NGX_HTTP_RUM_SKIP_NO_TRANSFORM,      /* Cache-Control: no-transform */
    NGX_HTTP_RUM_SKIP_COMPRESSED,        /* Content-Encoding set */
    NGX_HTTP_RUM_SKIP_ALREADY,           /* the page carries the snippet */
    NGX_HTTP_RUM_SKIP_NO_HEAD,           /* no </head> nor <body> in time */
    NGX_HTTP_RUM_SKIP_HEAD,              /* HEAD: no body */
    NGX_HTTP_RUM_SKIP_RANGE,             /* the request asks for a range */
    NGX_HTTP_RUM_SKIP_PRIVACY,           /* Sec-GPC: 1 or DNT: 1 */
    NGX_HTTP_RUM_SKIP_ERROR,
    NGX_HTTP_RUM_SKIP_N
} ngx_http_rum_skip_e;


/* one rum_redis server's share, kept across reloads by its key */
typedef struct {
    ngx_atomic_t   key;                  /* 0: a free slot */
    ngx_atomic_t   written;
    ngx_atomic_t   acknowledged;
    ngx_atomic_t   resent;
    ngx_atomic_t   dropped_redis_error;
    ngx_atomic_t   connects;
    ngx_atomic_t   connect_failures;
    ngx_atomic_t   disconnects;
    ngx_atomic_t   queued_entries;       /* gauge */
    ngx_atomic_t   workers_connected;    /* gauge */
    ngx_atomic_t   redirected;           /* MOVED, ASK followed */

    /* a cluster's node: the cluster's slot, and its name */
    ngx_atomic_t   parent;
    u_char         name[64];
} ngx_http_rum_server_counters_t;


typedef struct {
    ngx_atomic_t   beacons_accepted;
    ngx_atomic_t   beacons_rejected[NGX_HTTP_RUM_REJECT_N];
    ngx_atomic_t   preflights;

    ngx_atomic_t   queued_entries;       /* gauge, all workers */
    ngx_atomic_t   queued_bytes;         /* gauge, all workers */
    ngx_atomic_t   written;              /* XADDs sent to Redis */
    ngx_atomic_t   acknowledged;         /* XADDs Redis answered with an id */
    ngx_atomic_t   resent;               /* written again after a reconnect */
    ngx_atomic_t   dropped_redis_error;  /* Redis refused the XADD */
    ngx_atomic_t   dropped_exit;         /* still queued when a worker exited */
    ngx_atomic_t   spool_written;        /* entries an exiting worker spooled */
    ngx_atomic_t   spool_replayed;       /* entries taken from the spool */
    ngx_atomic_t   spool_corrupt;        /* spool files set aside */
    ngx_atomic_t   cluster_maps;         /* CLUSTER SLOTS answers read */
    ngx_atomic_t   cluster_moved;        /* MOVED replies followed */
    ngx_atomic_t   cluster_asked;        /* ASK replies followed */

    ngx_atomic_t   redis_connects;
    ngx_atomic_t   redis_connect_failures;
    ngx_atomic_t   redis_disconnects;
    ngx_atomic_t   workers_connected;    /* gauge */
    ngx_atomic_t   worker_connected[NGX_HTTP_RUM_MAX_WORKERS];

    ngx_atomic_t   pages_injected;
    ngx_atomic_t   pages_skipped[NGX_HTTP_RUM_SKIP_N];
    ngx_atomic_t   pages_profiled;       /* got Document-Policy */

    ngx_atomic_t   scripts_served;
    ngx_atomic_t   scripts_not_modified;

    /* slot 0 is unused: a server without a slot counts nowhere */
    ngx_http_rum_server_counters_t  servers[NGX_HTTP_RUM_MAX_SERVERS + 1];
} ngx_http_rum_counters_t;


extern ngx_http_rum_counters_t  *ngx_http_rum_counters;

/* the rum_redis servers of the configuration being loaded, for the slots */
extern ngx_array_t  *ngx_http_rum_status_servers;


#define ngx_http_rum_count(field)                                            \
    if (ngx_http_rum_counters) {                                             \
        (void) ngx_atomic_fetch_add(&ngx_http_rum_counters->field, 1);      \
    }

#define ngx_http_rum_count_add(field, n)                                     \
    if (ngx_http_rum_counters) {                                             \
        (void) ngx_atomic_fetch_add(&ngx_http_rum_counters->field,          \
                                    (ngx_atomic_int_t) (n));                \
    }


/* the server's own counters, when it has a slot */
#define ngx_http_rum_server_count(slot, field)                               \
    if (ngx_http_rum_counters && (slot)) {                                   \
        (void) ngx_atomic_fetch_add(                                         \
                         &ngx_http_rum_counters->servers[slot].field, 1);    \
    }

#define ngx_http_rum_server_count_add(slot, field, n)                        \
    if (ngx_http_rum_counters && (slot)) {                                   \
        (void) ngx_atomic_fetch_add(                                         \
                         &ngx_http_rum_counters->servers[slot].field,        \
                         (ngx_atomic_int_t) (n));                            \
    }


ngx_int_t ngx_http_rum_status_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


#endif /* _NGX_HTTP_RUM_STATUS_H_INCLUDED_ */
