
/*
 * ngx_http_rum_module: Redis Cluster, "rum_redis cluster ADDRESS ...".
 */


#ifndef _NGX_HTTP_RUM_CLUSTER_H_INCLUDED_
#define _NGX_HTTP_RUM_CLUSTER_H_INCLUDED_


#include "ngx_http_rum_redis_int.h"


/* the front's connect: asks a node for the slot map */
void ngx_http_rum_cluster_ask(ngx_http_rum_redis_server_t *front);

/* the worker stops: the nodes stop (their entries go to the spool) */
void ngx_http_rum_cluster_stop(ngx_http_rum_redis_server_t *front);

/* the server an entry goes to, by its key's slot: a node, or the front */
ngx_http_rum_redis_server_t *ngx_http_rum_cluster_route(
    ngx_http_rum_redis_server_t *front, ngx_http_rum_entry_t *e);

/* a MOVED or ASK reply to an entry in flight: 1 when followed */
ngx_uint_t ngx_http_rum_cluster_redirect(ngx_http_rum_redis_server_t *node,
    ngx_http_rum_entry_t *e, redisReply *reply);

/* the map may be out of date: asked again soon, at most every 100 ms */
void ngx_http_rum_cluster_refresh(ngx_http_rum_redis_server_t *front);

/* every second while entries wait: a node that is down makes it ask */
void ngx_http_rum_cluster_tick(ngx_http_rum_redis_server_t *front);

/* the nodes' counters, after their cluster's, into the status */
size_t ngx_http_rum_cluster_status_size(ngx_http_rum_redis_server_t *front);
u_char *ngx_http_rum_cluster_status_json(u_char *p, u_char *last,
    ngx_http_rum_redis_server_t *front);
u_char *ngx_http_rum_cluster_status_prometheus(u_char *p, u_char *last,
    ngx_http_rum_redis_server_t *front, char *family, size_t offset);


#endif /* _NGX_HTTP_RUM_CLUSTER_H_INCLUDED_ */
