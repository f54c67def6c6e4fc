
/*
 * ngx_http_rum_module: per-worker Redis connections and the queue of stream
 * entries Redis has not acknowledged.
 */


#ifndef _NGX_HTTP_RUM_REDIS_H_INCLUDED_
#define _NGX_HTTP_RUM_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_rum_status.h"


/*
 * Parses "ADDRESS [password=SECRET] [user=NAME] [db=N] [connect_timeout=T]"
 * (ADDRESS: ip:port, [ipv6]:port, host:port resolved now, or unix:/path),
 * returns the server with these settings, shared when an identical one was
 * configured before.  Returns NULL after logging an emergency message.
 */
ngx_http_rum_redis_server_t *ngx_http_rum_redis_server_add(ngx_conf_t *cf,
    ngx_str_t *args, ngx_uint_t nargs);

/* starts the connections of this worker; called from init_process */
ngx_int_t ngx_http_rum_redis_init_process(ngx_cycle_t *cycle);

/* tears them down; counts what could not be written as dropped */
void ngx_http_rum_redis_exit_process(ngx_cycle_t *cycle);

/*
 * Queues one XADD with argc arguments (argv[0] is "XADD").  The arguments
 * are copied; the caller's memory may go at once.  Returns NGX_OK when
 * queued, NGX_BUSY when the worker's queue (rum_queue) has no room for it,
 * NGX_ERROR on allocation failure.
 */
ngx_int_t ngx_http_rum_redis_xadd(ngx_http_rum_redis_server_t *server,
    ngx_uint_t argc, const char **argv, const size_t *argvlen,
    ngx_log_t *log);


/* the adapter: drives a hiredis context from nginx's event loop */
struct redisAsyncContext;

ngx_int_t ngx_http_rum_redis_attach(struct redisAsyncContext *ac,
    ngx_log_t *log);

/* worker_shutdown_timeout closed our connection: stop the exit flush */
void ngx_http_rum_redis_shutdown_timeout(void);

/* the master: gives each server its slot of counters in shared memory */
void ngx_http_rum_redis_slots(ngx_array_t *servers,
    ngx_http_rum_counters_t *counters, ngx_log_t *log);

/* the room each server's counters take in the status, at most */
size_t ngx_http_rum_redis_status_size(ngx_array_t *servers);

/* each server's counters, into the status; *p advances, within last */
u_char *ngx_http_rum_redis_status_json(u_char *p, u_char *last,
    ngx_array_t *servers);
u_char *ngx_http_rum_redis_status_prometheus(u_char *p, u_char *last,
    ngx_array_t *servers);


#endif /* _NGX_HTTP_RUM_REDIS_H_INCLUDED_ */
