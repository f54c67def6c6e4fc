
/*
 * ngx_http_rum_module: the Redis side.
 *
 * Each worker holds one non-blocking hiredis connection per configured
 * server, and the entries Redis has not acknowledged yet: "pending" ones
 * wait to be written, "inflight" ones were written and wait for their
 * reply.  A reply with an id frees the entry; when the connection dies,
 * the inflight entries go back to the head of the pending queue, in order,
 * and are written again after the reconnect (at-least-once).
 *
 * All entries of a worker, for all its servers together, are bounded by
 * rum_queue (the struct and the RESP bytes of each entry are counted); a
 * beacon that does not fit gets NGX_BUSY (503).  What is written but not
 * answered is bounded separately per connection (512 entries or 1 MiB),
 * so that hiredis' output buffer stays small while Redis is slow.
 *
 * After a connect, AUTH, SELECT and a PING are pipelined; the entries
 * follow once all three are answered, so that a refused AUTH or SELECT
 * never sends entries to the wrong place.  Failed connects are retried
 * with a capped exponential backoff (100 ms doubling to 5 s, plus up to a
 * quarter of jitter); it starts again from 100 ms once a connection had an
 * entry acknowledged or lived 10 s, so a Redis that accepts and drops
 * connections at once is not hammered.  Each state change is logged once;
 * a failure that repeats, once every 100 attempts.
 *
 * Error replies: "LOADING", "READONLY" and the like mean "later": the
 * entry stays and the connection is made anew after the backoff.  Others
 * ("WRONGTYPE", "OOM", ...) mean "never": the entry is dropped, counted
 * and logged at most once a second.
 *
 * An exiting worker keeps a timer that is not cancelable while entries
 * remain, for at most 3 s; then exit_process writes the rest to the spool
 * (ngx_http_rum_spool.c), which the next workers replay, and counts as
 * dropped only what the spool has no room for.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_redis.h"
#include "ngx_http_rum_redis_int.h"
#include "ngx_http_rum_cluster.h"
#include "ngx_http_rum_spool.h"


static ngx_int_t ngx_http_rum_redis_address(ngx_conf_t *cf,
    ngx_http_rum_redis_server_t *server, ngx_str_t *address);
static void ngx_http_rum_redis_server_cleanup(void *data);
static void ngx_http_rum_redis_ask_sentinel(
    ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_sentinel_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_redis_sentinel_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_redis_sentinel_disconnected(
    const redisAsyncContext *ac, int status);
static void ngx_http_rum_redis_check_sentinel(
    ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_check_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_redis_check_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_redis_check_disconnected(
    const redisAsyncContext *ac, int status);
static void ngx_http_rum_redis_worker_init(ngx_log_t *log);
static void ngx_http_rum_redis_connect(ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_redis_setup_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_redis_ping_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_redis_setup_done(redisAsyncContext *ac,
    ngx_http_rum_redis_server_t *server, const char *error);
static void ngx_http_rum_redis_ready(ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_redis_timer_handler(ngx_event_t *ev);
static void ngx_http_rum_redis_tick_handler(ngx_event_t *ev);
static void ngx_http_rum_redis_arm_tick(void);
static void ngx_http_rum_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static ngx_uint_t ngx_http_rum_redis_transient(redisReply *reply);
static void ngx_http_rum_redis_enqueue(ngx_http_rum_redis_server_t *server,
    ngx_http_rum_entry_t *e, size_t size, size_t len);
static void ngx_http_rum_redis_free_entry(ngx_http_rum_entry_t *e);
static ngx_uint_t ngx_http_rum_redis_spool(
    ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_spool_handler(ngx_event_t *ev);
static void *ngx_http_rum_redis_spool_take(uint32_t key, off_t size);
static ngx_int_t ngx_http_rum_redis_spool_entry(void *data, u_char *p,
    size_t len);
static void ngx_http_rum_redis_gauge(void);
static size_t ngx_http_rum_redis_digits(size_t n);
static ngx_uint_t ngx_http_rum_redis_str_eq(ngx_str_t *a, ngx_str_t *b);


/* the state of this worker */
static ngx_uint_t    ngx_http_rum_redis_initialized;
static ngx_queue_t   ngx_http_rum_redis_started;
static ngx_uint_t    ngx_http_rum_redis_nstarted;
static ngx_uint_t    ngx_http_rum_redis_nconnected;
static ngx_uint_t    ngx_http_rum_redis_worker_connected;
size_t               ngx_http_rum_redis_queued;
static time_t        ngx_http_rum_redis_full_logged;  /* the 503s, last */
static ngx_msec_t    ngx_http_rum_redis_deadline;
static ngx_uint_t    ngx_http_rum_redis_flushing;
static ngx_event_t   ngx_http_rum_redis_tick;
static ngx_event_t   ngx_http_rum_redis_spool_ev;

/* timers log their event's data as a connection: give them one */
static ngx_connection_t  ngx_http_rum_redis_dummy;


/* error replies that say "later", not "never": the entry is kept */
static ngx_str_t  ngx_http_rum_redis_transient_errors[] = {
    ngx_string("LOADING "),
    ngx_string("BUSY "),
    ngx_string("MASTERDOWN "),
    ngx_string("READONLY "),
    ngx_string("NOAUTH "),
    ngx_string("TRYAGAIN "),
    ngx_string("NOREPLICAS "),
    ngx_string("CLUSTERDOWN "),
    ngx_string("OOM "),          /* Redis full: wait, do not drop */
    ngx_null_string
};


ngx_http_rum_redis_server_t *
ngx_http_rum_redis_server_add(ngx_conf_t *cf, ngx_str_t *args,
    ngx_uint_t nargs)
{
    u_char                        *p;
    ngx_int_t                      n;
    ngx_str_t                      value;
    ngx_uint_t                     i, naddrs;
    ngx_pool_cleanup_t            *cln;
    ngx_http_rum_main_conf_t      *rmcf;
    ngx_http_rum_redis_server_t   *server, **s;

    server = ngx_pcalloc(cf->pool, sizeof(ngx_http_rum_redis_server_t));
    if (server == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     server->hosts = NULL;
     *     server->path = NULL;
     *     server->user = { 0, NULL };
     *     server->password = { 0, NULL };
     *     server->ac = NULL;
     *     server->started = 0;
     */

    server->db = -1;
    server->connect_timeout = 1000;

    naddrs = 0;

    for (i = 0; i < nargs; i++) {
        value = args[i];

        if (value.len > 9 && ngx_strncmp(value.data, "password=", 9) == 0) {
            server->password.data = value.data + 9;
            server->password.len = value.len - 9;
            continue;
        }

        if (value.len > 5 && ngx_strncmp(value.data, "user=", 5) == 0) {
            server->user.data = value.data + 5;
            server->user.len = value.len - 5;
            continue;
        }

        if (value.len > 3 && ngx_strncmp(value.data, "db=", 3) == 0) {
            n = ngx_atoi(value.data + 3, value.len - 3);
            if (n == NGX_ERROR || n > 65535) {
                goto invalid;
            }

            server->db = n;
            continue;
        }

        if (value.len > 16
            && ngx_strncmp(value.data, "connect_timeout=", 16) == 0)
        {
            value.data += 16;
            value.len -= 16;

            server->connect_timeout = ngx_parse_time(&value, 0);
            if (server->connect_timeout == (ngx_msec_t) NGX_ERROR
                || server->connect_timeout == 0)
            {
                goto invalid;
            }

            continue;
        }

        if (i == 0 && value.len == 7
            && ngx_strncmp(value.data, "cluster", 7) == 0)
        {
            server->clustered = 1;
            continue;
        }

        if (value.len > 9 && ngx_strncmp(value.data, "sentinel=", 9) == 0) {
            server->sentinel.data = value.data + 9;
            server->sentinel.len = value.len - 9;
            server->name = value;
            continue;
        }

        if (ngx_strlchr(value.data, value.data + value.len, '=') != NULL
            && ngx_strncmp(value.data, "unix:", 5) != 0)
        {
            goto invalid;
        }

        naddrs++;
    }

    if (naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           server->clustered
                           ? "\"rum_redis cluster\" needs the address of "
                             "at least one node"
                           : "\"rum_redis\" needs an address");
        return NULL;
    }

    if (server->clustered && server->sentinel.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"rum_redis cluster\" cannot have "
                           "\"sentinel=\"");
        return NULL;
    }

    if (server->clustered && server->db >= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"rum_redis cluster\" cannot have \"db=\": "
                           "a Redis Cluster has only database 0");
        return NULL;
    }

    if (naddrs > 1 && server->sentinel.len == 0 && !server->clustered) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"rum_redis\" takes one address, the "
                           "addresses of sentinels with \"sentinel=NAME\", "
                           "or of cluster nodes after \"cluster\"");
        return NULL;
    }

    if (server->user.len && server->password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rum_redis \"user=\" needs \"password=\"");
        return NULL;
    }

    /* the addresses: host names are resolved now, a worker never blocks */

    for (i = server->clustered; i < nargs; i++) {
        value = args[i];

        if (ngx_strlchr(value.data, value.data + value.len, '=') != NULL
            && ngx_strncmp(value.data, "unix:", 5) != 0)
        {
            continue;
        }

        if (server->clustered) {
            /* "cluster ADDRESS ...": the seeds, for logs and the status */
            p = ngx_pnalloc(cf->pool, sizeof("cluster ") + server->name.len
                                      + value.len);
            if (p == NULL) {
                return NULL;
            }

            n = server->name.len
                ? ngx_sprintf(p, "%V %V", &server->name, &value) - p
                : ngx_sprintf(p, "cluster %V", &value) - p;

            server->name.data = p;
            server->name.len = n;

        } else if (server->sentinel.len == 0) {
            server->name = value;
        }

        if (value.len >= 5 && ngx_strncmp(value.data, "unix:", 5) == 0) {
            if (value.len == 5 || server->sentinel.len || server->clustered) {
                goto invalid_address;
            }

            /* NUL-terminated: a configuration token, or a literal */
            server->path = (char *) value.data + 5;
            continue;
        }

        if (ngx_http_rum_redis_address(cf, server, &value) != NGX_OK) {
            return NULL;
        }
    }

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rum_module);

    s = rmcf->servers.elts;

    for (i = 0; i < rmcf->servers.nelts; i++) {
        if (ngx_http_rum_redis_str_eq(&s[i]->name, &server->name)
            && ngx_http_rum_redis_str_eq(&s[i]->password, &server->password)
            && ngx_http_rum_redis_str_eq(&s[i]->user, &server->user)
            && s[i]->db == server->db
            && s[i]->connect_timeout == server->connect_timeout)
        {
            return s[i];
        }
    }

    s = ngx_array_push(&rmcf->servers);
    if (s == NULL) {
        return NULL;
    }

    *s = server;
    server->rmcf = rmcf;
    server->spool_key = ngx_http_rum_spool_key(&server->name, server->db);

    /*
     * The configuration's pool goes when its cycle goes.  Workers stop
     * their servers in exit_process already; this covers a reload with
     * master_process off, where the old cycle ends without exit_process.
     */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_rum_redis_server_cleanup;
    cln->data = server;

    return server;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"rum_redis\"", &args[i]);
    return NULL;

invalid_address:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid address \"%V\" in \"rum_redis\", it must be "
                       "host:port, [ipv6]:port or unix:/path", &value);
    return NULL;
}


/* adds the IP addresses of "host:port" (a sentinel's: port 26379) */

static ngx_int_t
ngx_http_rum_redis_address(ngx_conf_t *cf,
    ngx_http_rum_redis_server_t *server, ngx_str_t *address)
{
    u_char      *p;
    char       **hosts;
    int         *ports;
    size_t       len;
    ngx_url_t    u;
    ngx_uint_t   i, n;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *address;
    u.default_port = server->sentinel.len ? 26379 : 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in \"%V\" of \"rum_redis\"",
                               u.err, address);
            return NGX_ERROR;
        }

        goto invalid;
    }

    if (u.naddrs == 0 || u.uri.len) {
        goto invalid;
    }

    n = server->nhosts + u.naddrs;

    hosts = ngx_palloc(cf->pool, n * sizeof(char *));
    ports = ngx_palloc(cf->pool, n * sizeof(int));
    if (hosts == NULL || ports == NULL) {
        return NGX_ERROR;
    }

    if (server->nhosts) {
        ngx_memcpy(hosts, server->hosts, server->nhosts * sizeof(char *));
        ngx_memcpy(ports, server->ports, server->nhosts * sizeof(int));
    }

    for (i = 0; i < u.naddrs; i++) {
        p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        len = ngx_sock_ntop(u.addrs[i].sockaddr, u.addrs[i].socklen, p,
                            NGX_SOCKADDR_STRLEN, 0);
        p[len] = '\0';

        hosts[server->nhosts + i] = (char *) p;
        ports[server->nhosts + i] = u.port;
    }

    server->hosts = hosts;
    server->ports = ports;
    server->nhosts = n;

    return NGX_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid address \"%V\" in \"rum_redis\", it must be "
                       "host:port, [ipv6]:port or unix:/path", address);
    return NGX_ERROR;
}


static void
ngx_http_rum_redis_server_cleanup(void *data)
{
    ngx_http_rum_redis_server_t  *server = data;

    if (server->started) {
        ngx_http_rum_redis_stop(server);
    }
}


ngx_int_t
ngx_http_rum_redis_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i;
    ngx_http_rum_main_conf_t      *rmcf;
    ngx_http_rum_redis_server_t  **s;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rum_module);

    ngx_http_rum_redis_worker_init(cycle->log);

    if (ngx_worker < NGX_HTTP_RUM_MAX_WORKERS && ngx_http_rum_counters) {
        ngx_http_rum_counters->worker_connected[ngx_worker] = 0;
    }

    s = rmcf->servers.elts;

    for (i = 0; i < rmcf->servers.nelts; i++) {
        if (!s[i]->started) {
            ngx_http_rum_redis_start(s[i], cycle->log);
        }
    }

    /* what workers before us left in the spool: now, then every second */

    if (rmcf->spool) {
        ngx_http_rum_redis_spool_handler(&ngx_http_rum_redis_spool_ev);
    }

    return NGX_OK;
}


void
ngx_http_rum_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_queue_t                  *q;
    ngx_http_rum_redis_server_t  *server;

    if (!ngx_http_rum_redis_initialized) {
        return;
    }

    while (!ngx_queue_empty(&ngx_http_rum_redis_started)) {
        q = ngx_queue_head(&ngx_http_rum_redis_started);
        server = ngx_queue_data(q, ngx_http_rum_redis_server_t, link);

        ngx_http_rum_redis_stop(server);
    }

    if (ngx_http_rum_redis_tick.timer_set) {
        ngx_del_timer(&ngx_http_rum_redis_tick);
    }

    if (ngx_http_rum_redis_spool_ev.timer_set) {
        ngx_del_timer(&ngx_http_rum_redis_spool_ev);
    }
}


/* worker_shutdown_timeout is over: stop keeping the worker alive */

void
ngx_http_rum_redis_shutdown_timeout(void)
{
    ngx_http_rum_redis_deadline = ngx_current_msec;
    ngx_http_rum_redis_flushing = 1;

    if (ngx_http_rum_redis_tick.timer_set) {
        ngx_del_timer(&ngx_http_rum_redis_tick);
    }
}


ngx_int_t
ngx_http_rum_redis_xadd(ngx_http_rum_redis_server_t *server, ngx_uint_t argc,
    const char **argv, const size_t *argvlen, ngx_log_t *log)
{
    u_char                *p;
    size_t                 len, size;
    ngx_uint_t             i;
    ngx_http_rum_entry_t  *e;

    if (!server->started) {
        /* a reload with master_process off does not run init_process */
        ngx_http_rum_redis_worker_init(ngx_cycle->log);
        ngx_http_rum_redis_start(server, ngx_cycle->log);
    }

    /* the command in the Redis protocol, formatted once, kept until acked */

    len = sizeof("*\r\n") - 1 + ngx_http_rum_redis_digits(argc);

    for (i = 0; i < argc; i++) {
        len += sizeof("$\r\n\r\n") - 1 + ngx_http_rum_redis_digits(argvlen[i])
               + argvlen[i];
    }

    size = offsetof(ngx_http_rum_entry_t, data) + len;

    if (ngx_http_rum_redis_queued + size > server->rmcf->queue_size) {

        /* at most one line every 10 seconds per worker */

        if (ngx_time() - ngx_http_rum_redis_full_logged >= 10) {
            ngx_http_rum_redis_full_logged = ngx_time();

            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "rum: the queue is full (rum_queue %uz bytes): "
                          "beacons get 503 until Redis \"%V\" takes what "
                          "waits", server->rmcf->queue_size, &server->name);
        }

        return NGX_BUSY;
    }

    e = ngx_alloc(size, log);
    if (e == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(e->data, "*%ui\r\n", argc);

    for (i = 0; i < argc; i++) {
        p = ngx_sprintf(p, "$%uz\r\n", argvlen[i]);
        p = ngx_cpymem(p, argv[i], argvlen[i]);
        *p++ = CR; *p++ = LF;
    }

    ngx_http_rum_redis_enqueue(server, e, size, p - e->data);

    return NGX_OK;
}


static void
ngx_http_rum_redis_enqueue(ngx_http_rum_redis_server_t *server,
    ngx_http_rum_entry_t *e, size_t size, size_t len)
{
    e->size = size;
    e->len = len;
    e->slot = 0;
    e->asking = 0;
    e->redirects = 0;
    e->written = 0;

    if (server->clustered) {
        /* the node that serves the key's slot, or the front for now */
        server = ngx_http_rum_cluster_route(server, e);
    }

    e->server = server;

    ngx_queue_insert_tail(&server->pending, &e->queue);

    ngx_http_rum_redis_queued += size;
    ngx_http_rum_count(queued_entries);
    ngx_http_rum_count_add(queued_bytes, size);
    ngx_http_rum_server_count(server->slot, queued_entries);

    if (server->state == NGX_HTTP_RUM_REDIS_READY) {
        ngx_http_rum_redis_write(server);
    }

    ngx_http_rum_redis_arm_tick();
}


void
ngx_http_rum_redis_move(ngx_http_rum_entry_t *e,
    ngx_http_rum_redis_server_t *to)
{
    ngx_http_rum_server_count_add(e->server->slot, queued_entries, -1);

    e->server = to;
    ngx_queue_insert_tail(&to->pending, &e->queue);

    ngx_http_rum_server_count(to->slot, queued_entries);

    if (to->state == NGX_HTTP_RUM_REDIS_READY) {
        ngx_http_rum_redis_write(to);
    }

    ngx_http_rum_redis_arm_tick();
}


static void
ngx_http_rum_redis_worker_init(ngx_log_t *log)
{
    if (ngx_http_rum_redis_initialized) {
        return;
    }

    ngx_http_rum_redis_initialized = 1;

    ngx_queue_init(&ngx_http_rum_redis_started);

    ngx_http_rum_redis_dummy.fd = (ngx_socket_t) -1;

    /* not cancelable: it keeps an exiting worker alive while it flushes */

    ngx_http_rum_redis_tick.handler = ngx_http_rum_redis_tick_handler;
    ngx_http_rum_redis_tick.data = &ngx_http_rum_redis_dummy;
    ngx_http_rum_redis_tick.log = log;

    ngx_http_rum_redis_spool_ev.handler = ngx_http_rum_redis_spool_handler;
    ngx_http_rum_redis_spool_ev.data = &ngx_http_rum_redis_dummy;
    ngx_http_rum_redis_spool_ev.log = log;
    ngx_http_rum_redis_spool_ev.cancelable = 1;
}


void
ngx_http_rum_redis_start(ngx_http_rum_redis_server_t *server, ngx_log_t *log)
{
    ngx_queue_init(&server->pending);
    ngx_queue_init(&server->inflight);

    server->log = log;
    server->state = NGX_HTTP_RUM_REDIS_DISCONNECTED;
    server->backoff = NGX_HTTP_RUM_REDIS_BACKOFF_MIN;
    server->host = 0;     /* nginx resolves IPv4 addresses first */

    server->timer.handler = ngx_http_rum_redis_timer_handler;
    server->timer.data = &ngx_http_rum_redis_dummy;
    server->timer.log = log;
    server->timer.cancelable = 1;

    server->started = 1;

    ngx_queue_insert_tail(&ngx_http_rum_redis_started, &server->link);
    ngx_http_rum_redis_nstarted++;

    ngx_http_rum_redis_gauge();

    ngx_http_rum_redis_connect(server);
}


/*
 * The worker exits: entries not written by now go to the spool, in order;
 * what does not fit there (or with rum_spool off) is dropped and counted.
 */

void
ngx_http_rum_redis_stop(ngx_http_rum_redis_server_t *server)
{
    ngx_uint_t             n, spooled;
    ngx_queue_t           *q;
    redisAsyncContext     *ac;
    ngx_http_rum_entry_t  *e;

    server->stopping = 1;

    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    if (server->clustered) {
        /* the nodes first: their entries are spooled for the cluster */
        ngx_http_rum_cluster_stop(server);

        if (server->connected) {
            server->connected = 0;
            ngx_http_rum_redis_nconnected--;
            ngx_http_rum_server_count_add(server->slot, workers_connected,
                                          -1);
        }
    }

    if (server->ac) {
        /*
         * Pending callbacks get NULL replies, the adapter gives the nginx
         * connection back, then the disconnect callback runs when the
         * connection was up.
         */

        ac = server->ac;
        server->ac = NULL;
        redisAsyncFree(ac);
    }

    if (server->check) {
        ac = server->check;
        server->check = NULL;
        redisAsyncFree(ac);
    }

    /* a connect in progress has no disconnect callback */

    ngx_http_rum_redis_lost(server);

    spooled = ngx_queue_empty(&server->pending)
              ? 0 : ngx_http_rum_redis_spool(server);

    n = 0;

    while (!ngx_queue_empty(&server->pending)) {
        q = ngx_queue_head(&server->pending);
        e = ngx_queue_data(q, ngx_http_rum_entry_t, queue);

        ngx_http_rum_redis_free_entry(e);
        n++;
    }

    n -= spooled;

    if (n) {
        ngx_http_rum_count_add(dropped_exit, n);

        ngx_log_error(NGX_LOG_ERR, server->log, 0,
                      "rum: %ui entries for Redis \"%V\" were not written "
                      "before the worker exited", n, &server->name);
    }

    ngx_queue_remove(&server->link);
    ngx_http_rum_redis_nstarted--;

    server->started = 0;
    server->stopping = 0;

    ngx_http_rum_redis_gauge();
}


static void
ngx_http_rum_redis_connect(ngx_http_rum_redis_server_t *server)
{
    redisAsyncContext  *ac;

    if (server->clustered) {
        /* the front: the slot map, from a node; the nodes connect */
        ngx_http_rum_cluster_ask(server);
        return;
    }

    if (server->path) {
        ac = ngx_http_rum_redis_open(server, NULL, 0, "cannot connect",
                                     ngx_http_rum_redis_connected,
                                     ngx_http_rum_redis_disconnected);

    } else if (server->sentinel.len == 0) {
        ac = ngx_http_rum_redis_open(server, server->hosts[server->host],
                                     server->ports[server->host],
                                     "cannot connect",
                                     ngx_http_rum_redis_connected,
                                     ngx_http_rum_redis_disconnected);

    } else if (server->primary_port) {
        ac = ngx_http_rum_redis_open(server, server->primary,
                                     server->primary_port, "cannot connect",
                                     ngx_http_rum_redis_connected,
                                     ngx_http_rum_redis_disconnected);

    } else {
        /* the sentinels say where the primary is, before every connect */
        ngx_http_rum_redis_ask_sentinel(server);
        return;
    }

    if (ac == NULL) {
        ngx_http_rum_redis_lost(server);
        return;
    }

    server->ac = ac;
    server->state = NGX_HTTP_RUM_REDIS_CONNECTING;

    ngx_add_timer(&server->timer, server->connect_timeout);
}


/*
 * A connection of the server's (to it, to a sentinel, to a cluster node:
 * host NULL for its unix socket) on nginx's event loop, being made; NULL
 * after a failure, logged as "what" (when not NULL) and counted.
 */

redisAsyncContext *
ngx_http_rum_redis_open(ngx_http_rum_redis_server_t *server,
    const char *host, int port, const char *what,
    redisConnectCallback *connected, redisDisconnectCallback *disconnected)
{
    redisAsyncContext  *ac;

    ac = host ? redisAsyncConnect(host, port)
              : redisAsyncConnectUnix(server->path);

    if (ac == NULL || ac->err) {
        if (what) {
            ngx_http_rum_redis_failure(server, what,
                                       ac ? ac->errstr : "out of memory");
        }

        if (ac) {
            redisAsyncFree(ac);
        }

        return NULL;
    }

    ac->data = server;

    if (ngx_http_rum_redis_attach(ac, server->log) != NGX_OK) {
        redisAsyncFree(ac);
        return NULL;
    }

    redisAsyncSetConnectCallback(ac, connected);
    redisAsyncSetDisconnectCallback(ac, disconnected);

    return ac;
}


/*
 * Whether an address a Redis gave (a sentinel, a cluster map or redirection)
 * is an IP address: hiredis would resolve a host name with getaddrinfo(),
 * which blocks the worker.
 */

ngx_uint_t
ngx_http_rum_redis_numeric(const char *host, size_t len)
{
#if (NGX_HAVE_INET6)
    u_char  addr[16];
#endif

    if (ngx_inet_addr((u_char *) host, len) != INADDR_NONE) {
        return 1;
    }

#if (NGX_HAVE_INET6)
    if (ngx_inet6_addr((u_char *) host, len, addr) == NGX_OK) {
        return 1;
    }
#endif

    return 0;
}


/* AUTH on the server's connection, with the ACL user when there is one */

int
ngx_http_rum_redis_auth(ngx_http_rum_redis_server_t *server,
    redisCallbackFn *fn)
{
    if (server->user.len) {
        return redisAsyncCommand(server->ac, fn, server, "AUTH %b %b",
                                 server->user.data, server->user.len,
                                 server->password.data, server->password.len);
    }

    return redisAsyncCommand(server->ac, fn, server, "AUTH %b",
                             server->password.data, server->password.len);
}


/* the connect callback said no: hiredis frees the context, no callback */

void
ngx_http_rum_redis_not_open(ngx_http_rum_redis_server_t *server,
    const char *what, const redisAsyncContext *ac)
{
    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    ngx_http_rum_redis_failure(server, what, ac->errstr);

    server->ac = NULL;
    ngx_http_rum_redis_lost(server);
}


/*
 * Sentinel: one short connection to a sentinel (the next one after a
 * failure) for "SENTINEL get-master-addr-by-name", then the connection to
 * the primary it names.  Every connect asks again, so a failover (the old
 * primary gone, or answering READONLY) is followed without a reload.
 */

static void
ngx_http_rum_redis_ask_sentinel(ngx_http_rum_redis_server_t *server)
{
    redisAsyncContext  *ac;

    ac = ngx_http_rum_redis_open(server, server->hosts[server->host],
                                 server->ports[server->host],
                                 "cannot connect to a sentinel",
                                 ngx_http_rum_redis_sentinel_connected,
                                 ngx_http_rum_redis_sentinel_disconnected);
    if (ac == NULL) {
        ngx_http_rum_redis_lost(server);
        return;
    }

    server->ac = ac;
    server->state = NGX_HTTP_RUM_REDIS_RESOLVING;
    server->answered = 0;

    /* for the connect and the answer together */
    ngx_add_timer(&server->timer, server->connect_timeout);
}


static void
ngx_http_rum_redis_sentinel_connected(const redisAsyncContext *ac,
    int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (status != REDIS_OK) {
        ngx_http_rum_redis_not_open(server, "cannot connect to a sentinel",
                                    ac);
        return;
    }

    if (redisAsyncCommand(server->ac, ngx_http_rum_redis_sentinel_reply,
                          server, "SENTINEL get-master-addr-by-name %b",
                          server->sentinel.data, server->sentinel.len)
        != REDIS_OK)
    {
        redisAsyncDisconnect(server->ac);
    }
}


static void
ngx_http_rum_redis_sentinel_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                   *reply = r;
    ngx_http_rum_redis_server_t  *server = privdata;

    ngx_int_t     port;
    redisReply   *host, *p;

    if (reply == NULL) {
        /* the connection goes */
        return;
    }

    server->answered = 1;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[0]->len == 0
        || reply->element[0]->len > NGX_SOCKADDR_STRLEN)
    {
        ngx_http_rum_redis_failure(server,
                                   "a sentinel does not name the primary",
                                   reply->type == REDIS_REPLY_ERROR
                                   ? reply->str : "no such primary");
        redisAsyncDisconnect(ac);
        return;
    }

    host = reply->element[0];
    p = reply->element[1];

    port = ngx_atoi((u_char *) p->str, p->len);
    if (port <= 0 || port > 65535) {
        ngx_http_rum_redis_failure(server,
                                   "a sentinel does not name the primary",
                                   "a bad port");
        redisAsyncDisconnect(ac);
        return;
    }

    if (!ngx_http_rum_redis_numeric(host->str, host->len)) {
        ngx_http_rum_redis_failure(server,
                                   "a sentinel names the primary by a host "
                                   "name, which a worker cannot resolve "
                                   "without blocking (set the sentinels' "
                                   "announce-hostnames no)", host->str);
        redisAsyncDisconnect(ac);
        return;
    }

    ngx_memcpy(server->primary, host->str, host->len);
    server->primary[host->len] = '\0';
    server->primary_port = port;

    if (server->known_port != port
        || ngx_strcmp(server->known, server->primary) != 0)
    {
        if (server->known_port) {
            ngx_log_error(NGX_LOG_WARN, server->log, 0,
                          "rum: Redis \"%V\": the sentinels name a new "
                          "primary, %s:%d (it was %s:%d)", &server->name,
                          server->primary, port, server->known,
                          server->known_port);

        } else {
            ngx_log_error(NGX_LOG_INFO, server->log, 0,
                          "rum: Redis \"%V\": the primary is %s:%d",
                          &server->name, server->primary, port);
        }

        ngx_memcpy(server->known, server->primary, host->len + 1);
        server->known_port = port;
    }

    redisAsyncDisconnect(ac);
}


static void
ngx_http_rum_redis_sentinel_disconnected(const redisAsyncContext *ac,
    int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (server->ac != ac) {
        /* freed by us: a timeout, or the worker stops */
        return;
    }

    server->ac = NULL;

    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    if (server->primary_port) {
        /* to the primary, from the event loop, not from hiredis' callback */
        server->state = NGX_HTTP_RUM_REDIS_DISCONNECTED;
        ngx_add_timer(&server->timer, 1);
        return;
    }

    if (!server->answered) {
        ngx_http_rum_redis_failure(server, "a sentinel closed the connection",
                                   (ac->errstr && ac->errstr[0])
                                   ? ac->errstr : "no answer");
    }

    ngx_http_rum_redis_lost(server);
}


/*
 * While entries flow, the sentinels are asked again every second: after a
 * failover the old primary keeps taking writes until the sentinels make it
 * a replica, and what it takes then is lost when it resyncs.  When they
 * name another primary, the connection is closed; what it had not
 * acknowledged is written again to the new one.
 */

static void
ngx_http_rum_redis_check_sentinel(ngx_http_rum_redis_server_t *server)
{
    redisAsyncContext  *ac;

    server->checked = ngx_current_msec;

    /* not logged: the connection to the primary works */

    ac = ngx_http_rum_redis_open(server, server->hosts[server->host],
                                 server->ports[server->host], NULL,
                                 ngx_http_rum_redis_check_connected,
                                 ngx_http_rum_redis_check_disconnected);
    if (ac == NULL) {
        server->host = (server->host + 1) % server->nhosts;
        return;
    }

    server->check = ac;
}


static void
ngx_http_rum_redis_check_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (status != REDIS_OK) {
        /* freed by hiredis, no disconnect callback */
        if (server->check == ac) {
            server->check = NULL;
            server->host = (server->host + 1) % server->nhosts;
        }

        return;
    }

    if (redisAsyncCommand(server->check, ngx_http_rum_redis_check_reply,
                          server, "SENTINEL get-master-addr-by-name %b",
                          server->sentinel.data, server->sentinel.len)
        != REDIS_OK)
    {
        redisAsyncDisconnect(server->check);
    }
}


static void
ngx_http_rum_redis_check_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                   *reply = r;
    ngx_http_rum_redis_server_t  *server = privdata;

    redisReply  *host;
    ngx_int_t    port;

    if (reply == NULL) {
        return;
    }

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[1]->type == REDIS_REPLY_STRING
        && server->state == NGX_HTTP_RUM_REDIS_READY)
    {
        host = reply->element[0];
        port = ngx_atoi((u_char *) reply->element[1]->str,
                        reply->element[1]->len);

        if (port != server->primary_port
            || host->len != ngx_strlen(server->primary)
            || ngx_strncmp(host->str, server->primary, host->len) != 0)
        {
            ngx_log_error(NGX_LOG_WARN, server->log, 0,
                          "rum: Redis \"%V\": the sentinels name a new "
                          "primary, %*s:%i (it was %s:%d), reconnecting",
                          &server->name, (size_t) host->len, host->str, port,
                          server->primary, server->primary_port);

            if (host->len <= NGX_SOCKADDR_STRLEN) {
                ngx_memcpy(server->known, host->str, host->len);
                server->known[host->len] = '\0';
                server->known_port = port;
            }

            /* the unanswered entries go to the new primary */

            server->logged = NGX_HTTP_RUM_REDIS_LOGGED_DOWN;
            server->state = NGX_HTTP_RUM_REDIS_CLOSING;
            redisAsyncDisconnect(server->ac);
        }
    }

    redisAsyncDisconnect(ac);
}


static void
ngx_http_rum_redis_check_disconnected(const redisAsyncContext *ac,
    int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (server->check == ac) {
        server->check = NULL;
    }
}


static void
ngx_http_rum_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (status != REDIS_OK) {
        ngx_http_rum_redis_not_open(server, "cannot connect", ac);
        return;
    }

    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    server->state = NGX_HTTP_RUM_REDIS_SETUP;
    server->progress = ngx_current_msec;
    server->setup = 0;

    /* AUTH, SELECT and PING go first; entries follow once all are answered */

    if (server->password.len
        && ngx_http_rum_redis_auth(server, ngx_http_rum_redis_setup_reply)
           == REDIS_OK)
    {
        server->setup++;
    }

    if (server->db >= 0) {
        if (redisAsyncCommand(server->ac, ngx_http_rum_redis_setup_reply,
                              server, "SELECT %d", (int) server->db)
            == REDIS_OK)
        {
            server->setup++;
        }
    }

    /* a round trip proves that Redis takes commands from us */

    if (redisAsyncCommand(server->ac, ngx_http_rum_redis_ping_reply, server,
                          "PING")
        == REDIS_OK)
    {
        server->setup++;
    }

    ngx_http_rum_redis_arm_tick();
}


static void
ngx_http_rum_redis_setup_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply  *reply = r;

    if (reply == NULL) {
        /* the connection goes */
        return;
    }

    ngx_http_rum_redis_setup_done(ac, privdata,
                                  reply->type == REDIS_REPLY_ERROR
                                  ? reply->str : NULL);
}


static void
ngx_http_rum_redis_ping_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply  *reply = r;

    const char  *error;

    if (reply == NULL) {
        return;
    }

    error = NULL;

    /* an ACL user may be allowed XADD and not PING: an answer is enough */

    if (reply->type == REDIS_REPLY_ERROR
        && ngx_strncmp(reply->str, "NOPERM ", 7) != 0)
    {
        error = reply->str;
    }

    ngx_http_rum_redis_setup_done(ac, privdata, error);
}


static void
ngx_http_rum_redis_setup_done(redisAsyncContext *ac,
    ngx_http_rum_redis_server_t *server, const char *error)
{
    if (server->state != NGX_HTTP_RUM_REDIS_SETUP) {
        /* an earlier setup command failed */
        return;
    }

    server->progress = ngx_current_msec;

    if (error) {
        ngx_http_rum_redis_failure(server, "refused the connection setup",
                                   error);

        /* the replies still due come, then the disconnect callback */

        server->state = NGX_HTTP_RUM_REDIS_CLOSING;
        redisAsyncDisconnect(ac);
        return;
    }

    if (--server->setup == 0) {
        ngx_http_rum_redis_ready(server);
    }
}


static void
ngx_http_rum_redis_ready(ngx_http_rum_redis_server_t *server)
{
    server->state = NGX_HTTP_RUM_REDIS_READY;
    server->ready_at = ngx_current_msec;
    server->progress = ngx_current_msec;

    /* after "LOADING" and the like, the first answer to an entry tells */

    if (server->logged != NGX_HTTP_RUM_REDIS_LOGGED_UP && !server->refusing) {
        if (server->sentinel.len) {
            ngx_log_error(NGX_LOG_INFO, server->log, 0,
                          "rum: connected to Redis \"%V\", the primary at "
                          "%s:%d", &server->name, server->primary,
                          server->primary_port);

        } else if (server->failures) {
            ngx_log_error(NGX_LOG_INFO, server->log, 0,
                          "rum: connected to Redis \"%V\" after %ui failed "
                          "attempts", &server->name, server->failures);

        } else {
            ngx_log_error(NGX_LOG_INFO, server->log, 0,
                          "rum: connected to Redis \"%V\"", &server->name);
        }

        server->logged = NGX_HTTP_RUM_REDIS_LOGGED_UP;
    }

    server->failures = 0;
    server->connected = 1;
    ngx_http_rum_redis_nconnected++;

    ngx_http_rum_count(redis_connects);
    ngx_http_rum_server_count(server->slot, connects);
    ngx_http_rum_server_count(server->slot, workers_connected);
    ngx_http_rum_redis_gauge();

    ngx_http_rum_redis_write(server);
}


static void
ngx_http_rum_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (server->connected) {
        server->connected = 0;
        ngx_http_rum_redis_nconnected--;

        ngx_http_rum_count(redis_disconnects);
        ngx_http_rum_server_count(server->slot, disconnects);
        ngx_http_rum_server_count_add(server->slot, workers_connected, -1);
        ngx_http_rum_redis_gauge();

        if (!server->stopping
            && server->logged == NGX_HTTP_RUM_REDIS_LOGGED_UP)
        {
            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: lost the connection to Redis \"%V\": %s",
                          &server->name,
                          (ac->errstr && ac->errstr[0]) ? ac->errstr
                                                        : "closed");

            server->logged = NGX_HTTP_RUM_REDIS_LOGGED_DOWN;
        }

        /* so does one that lived long, with or without entries */

        if (ngx_current_msec - server->ready_at
            >= NGX_HTTP_RUM_REDIS_STABLE)
        {
            server->backoff = NGX_HTTP_RUM_REDIS_BACKOFF_MIN;
        }
    }

    server->ac = NULL;

    ngx_http_rum_redis_lost(server);
}


/* the connection is gone: unanswered entries wait to be written again */

void
ngx_http_rum_redis_lost(ngx_http_rum_redis_server_t *server)
{
    ngx_msec_t    delay;
    ngx_queue_t  *q;

    while (!ngx_queue_empty(&server->inflight)) {
        q = ngx_queue_last(&server->inflight);
        ngx_queue_remove(q);
        ngx_queue_insert_head(&server->pending, q);
    }

    server->inflight_n = 0;
    server->inflight_bytes = 0;
    server->setup = 0;
    server->state = NGX_HTTP_RUM_REDIS_DISCONNECTED;

    /* the primary may have changed: the next connect asks the sentinels */
    server->primary_port = 0;

    if (server->stopping) {
        return;
    }

    if (server->front) {
        /* a failover, perhaps: the map tells */
        ngx_http_rum_cluster_refresh(server->front);
    }

    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    delay = server->backoff + ngx_random() % (server->backoff / 4 + 1);

    if (ngx_http_rum_redis_flushing) {
        /* an exiting worker has little time left */
        delay = ngx_min(delay, NGX_HTTP_RUM_REDIS_EXIT_TICK);
    }

    ngx_add_timer(&server->timer, delay);

    server->backoff = ngx_min(server->backoff * 2,
                              NGX_HTTP_RUM_REDIS_BACKOFF_MAX);
}


/*
 * A failed attempt is logged when it changes the state (the first failure
 * after a connection, or at start) or its reason, then once every 100
 * attempts.
 */

void
ngx_http_rum_redis_failure(ngx_http_rum_redis_server_t *server,
    const char *what, const char *detail)
{
    uint32_t  why;

    ngx_http_rum_count(redis_connect_failures);
    ngx_http_rum_server_count(server->slot, connect_failures);

    server->failures++;
    server->host++;

    if (!server->clustered) {
        /* a front counts on: its nodes, then its seeds */
        server->host %= ngx_max(server->nhosts, 1);
    }

    if (server->stopping) {
        return;
    }

    /* a new reason (Redis now asks for a password) is a change too */

    ngx_crc32_init(why);
    ngx_crc32_update(&why, (u_char *) what, ngx_strlen(what));
    ngx_crc32_update(&why, (u_char *) detail, ngx_strlen(detail));
    ngx_crc32_final(why);

    if (server->logged != NGX_HTTP_RUM_REDIS_LOGGED_DOWN
        || why != server->failure_logged)
    {
        server->failure_logged = why;

        ngx_log_error(NGX_LOG_ERR, server->log, 0,
                      "rum: Redis \"%V\": %s: %s, retrying",
                      &server->name, what, detail);

        server->logged = NGX_HTTP_RUM_REDIS_LOGGED_DOWN;
        return;
    }

    if (server->failures % NGX_HTTP_RUM_REDIS_LOG_EVERY == 0) {
        ngx_log_error(NGX_LOG_WARN, server->log, 0,
                      "rum: Redis \"%V\": %s: %s, %ui attempts failed "
                      "so far", &server->name, what, detail,
                      server->failures);
    }
}


/* connect timeout, or the backoff is over */

static void
ngx_http_rum_redis_timer_handler(ngx_event_t *ev)
{
    redisAsyncContext            *ac;
    ngx_http_rum_redis_server_t  *server;

    server = (ngx_http_rum_redis_server_t *)
             ((u_char *) ev - offsetof(ngx_http_rum_redis_server_t, timer));

    if (server->state == NGX_HTTP_RUM_REDIS_DISCONNECTED) {
        ngx_http_rum_redis_connect(server);
        return;
    }

    if (server->state == NGX_HTTP_RUM_REDIS_RESOLVING) {
        ngx_http_rum_redis_failure(server,
                                   server->clustered ? "a node timed out"
                                                     : "a sentinel timed out",
                                   "no answer");

        /* our disconnect callback, if any, sees that it is not ours */

        ac = server->ac;
        server->ac = NULL;
        redisAsyncFree(ac);

        ngx_http_rum_redis_lost(server);
        return;
    }

    if (server->state == NGX_HTTP_RUM_REDIS_CONNECTING) {
        ngx_http_rum_redis_failure(server, "connect timed out",
                                   "no answer");

        /* not connected yet: no callback runs */

        ac = server->ac;
        server->ac = NULL;
        redisAsyncFree(ac);

        ngx_http_rum_redis_lost(server);
    }
}


/*
 * Every second while entries are queued: a connection that answers nothing
 * for too long is dropped and made anew.  In an exiting worker, every 100
 * ms: the timer is not cancelable, so the worker stays until its queue is
 * written or its flush time is over.
 */

static void
ngx_http_rum_redis_tick_handler(ngx_event_t *ev)
{
    ngx_msec_t                    flush;
    ngx_uint_t                    queued;
    ngx_queue_t                  *q, *next;
    ngx_core_conf_t              *ccf;
    redisAsyncContext            *ac;
    ngx_http_rum_redis_server_t  *server;

    queued = 0;

    if (ngx_exiting && !ngx_http_rum_redis_flushing) {
        ngx_http_rum_redis_flushing = 1;

        /* worker_shutdown_timeout, when shorter, wins */

        ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                               ngx_core_module);

        flush = NGX_HTTP_RUM_REDIS_EXIT_FLUSH;

        if (ccf->shutdown_timeout && ccf->shutdown_timeout < flush) {
            flush = ccf->shutdown_timeout;
        }

        ngx_http_rum_redis_deadline = ngx_current_msec + flush;
    }

    for (q = ngx_queue_head(&ngx_http_rum_redis_started);
         q != ngx_queue_sentinel(&ngx_http_rum_redis_started);
         q = next)
    {
        next = ngx_queue_next(q);
        server = ngx_queue_data(q, ngx_http_rum_redis_server_t, link);

        if (!ngx_queue_empty(&server->pending)
            || !ngx_queue_empty(&server->inflight))
        {
            queued = 1;
        }

        if (server->ac
            && server->state != NGX_HTTP_RUM_REDIS_CONNECTING
            && server->state != NGX_HTTP_RUM_REDIS_RESOLVING
            && (server->state != NGX_HTTP_RUM_REDIS_READY
                || !ngx_queue_empty(&server->inflight))
            && ngx_current_msec - server->progress
               > NGX_HTTP_RUM_REDIS_STALL)
        {
            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: Redis \"%V\" answered nothing for %M ms, "
                          "reconnecting", &server->name,
                          ngx_current_msec - server->progress);

            server->logged = NGX_HTTP_RUM_REDIS_LOGGED_DOWN;

            /* callbacks run: NULL replies, then the disconnect */

            ac = server->ac;
            redisAsyncFree(ac);
            continue;
        }

        if (server->clustered) {
            ngx_http_rum_cluster_tick(server);
        }

        if (server->sentinel.len) {
            if (server->check
                && ngx_current_msec - server->checked
                   > server->connect_timeout
                     + NGX_HTTP_RUM_REDIS_SENTINEL_CHECK)
            {
                /* a sentinel that does not answer: the next one, later */
                ac = server->check;
                server->check = NULL;
                redisAsyncFree(ac);
                server->host = (server->host + 1) % server->nhosts;
            }

            if (server->state == NGX_HTTP_RUM_REDIS_READY
                && server->check == NULL
                && ngx_current_msec - server->checked
                   >= NGX_HTTP_RUM_REDIS_SENTINEL_CHECK)
            {
                ngx_http_rum_redis_check_sentinel(server);
            }
        }

        if (ngx_http_rum_redis_flushing
            && server->state == NGX_HTTP_RUM_REDIS_DISCONNECTED
            && server->timer.timer_set
            && (ngx_msec_int_t) (server->timer.timer.key - ngx_current_msec)
               > NGX_HTTP_RUM_REDIS_EXIT_TICK)
        {
            ngx_add_timer(&server->timer, NGX_HTTP_RUM_REDIS_EXIT_TICK);
        }
    }

    if (!queued) {
        return;
    }

    if (ngx_http_rum_redis_flushing) {
        if ((ngx_msec_int_t) (ngx_current_msec - ngx_http_rum_redis_deadline)
            >= 0)
        {
            /* let the worker exit: exit_process counts what is left */
            return;
        }

        ngx_add_timer(ev, NGX_HTTP_RUM_REDIS_EXIT_TICK);
        return;
    }

    ngx_add_timer(ev, NGX_HTTP_RUM_REDIS_TICK);
}


static void
ngx_http_rum_redis_arm_tick(void)
{
    if (ngx_http_rum_redis_tick.timer_set) {
        return;
    }

    if (ngx_http_rum_redis_flushing
        && (ngx_msec_int_t) (ngx_current_msec - ngx_http_rum_redis_deadline)
           >= 0)
    {
        return;
    }

    ngx_add_timer(&ngx_http_rum_redis_tick,
                  ngx_exiting ? NGX_HTTP_RUM_REDIS_EXIT_TICK
                              : NGX_HTTP_RUM_REDIS_TICK);
}


void
ngx_http_rum_redis_write(ngx_http_rum_redis_server_t *server)
{
    ngx_queue_t           *q;
    ngx_http_rum_entry_t  *e;

    while (!ngx_queue_empty(&server->pending)
           && server->inflight_n < NGX_HTTP_RUM_REDIS_MAX_INFLIGHT
           && server->inflight_bytes < NGX_HTTP_RUM_REDIS_MAX_INFLIGHT_BYTES)
    {
        q = ngx_queue_head(&server->pending);
        e = ngx_queue_data(q, ngx_http_rum_entry_t, queue);

        /* appends to hiredis' output buffer; never disconnects */

        if (e->asking
            && redisAsyncCommand(server->ac, NULL, NULL, "ASKING")
               != REDIS_OK)
        {
            return;
        }

        if (redisAsyncFormattedCommand(server->ac, ngx_http_rum_redis_reply,
                                       e, (char *) e->data, e->len)
            != REDIS_OK)
        {
            return;
        }

        if (server->inflight_n == 0) {
            server->progress = ngx_current_msec;
        }

        ngx_queue_remove(q);
        ngx_queue_insert_tail(&server->inflight, q);

        server->inflight_n++;
        server->inflight_bytes += e->len;

        ngx_http_rum_count(written);
        ngx_http_rum_server_count(server->slot, written);

        if (e->written) {
            ngx_http_rum_count(resent);
            ngx_http_rum_server_count(server->slot, resent);
        }

        e->written = 1;
    }
}


static void
ngx_http_rum_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply                   *reply = r;
    ngx_http_rum_entry_t         *e = privdata;
    ngx_http_rum_redis_server_t  *server;

    if (reply == NULL) {
        /* the connection goes: the entry is written again after it */
        return;
    }

    server = e->server;
    server->progress = ngx_current_msec;

    if (reply->type == REDIS_REPLY_ERROR && server->front
        && ngx_http_rum_cluster_redirect(server, e, reply))
    {
        /* MOVED or ASK: the entry went to the node named */

        if (server->state == NGX_HTTP_RUM_REDIS_READY) {
            ngx_http_rum_redis_write(server);
        }

        return;
    }

    if (reply->type == REDIS_REPLY_ERROR
        && ngx_http_rum_redis_transient(reply))
    {
        if (server->front) {
            /* "CLUSTERDOWN", "TRYAGAIN": the map may have changed */
            ngx_http_rum_cluster_refresh(server->front);
        }

        /*
         * "LOADING", "READONLY", ...: the entry stays in flight and goes
         * back to the queue when this connection is gone; the next one
         * comes after the backoff
         */

        if (server->state == NGX_HTTP_RUM_REDIS_READY) {
            server->refusing = 1;

            if (server->logged == NGX_HTTP_RUM_REDIS_LOGGED_UP) {
                ngx_log_error(NGX_LOG_WARN, server->log, 0,
                              "rum: Redis \"%V\" answered \"%s\", "
                              "reconnecting", &server->name, reply->str);

                server->logged = NGX_HTTP_RUM_REDIS_LOGGED_DOWN;
            }

            server->state = NGX_HTTP_RUM_REDIS_CLOSING;
            redisAsyncDisconnect(ac);
        }

        return;
    }

    server->inflight_n--;
    server->inflight_bytes -= e->len;

    if (server->refusing) {
        server->refusing = 0;

        if (server->logged != NGX_HTTP_RUM_REDIS_LOGGED_UP) {
            ngx_log_error(NGX_LOG_INFO, server->log, 0,
                          "rum: Redis \"%V\" takes entries again",
                          &server->name);

            server->logged = NGX_HTTP_RUM_REDIS_LOGGED_UP;
        }
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_http_rum_count(dropped_redis_error);
        ngx_http_rum_server_count(server->slot, dropped_redis_error);

        if (server->error_logged != ngx_time()) {
            server->error_logged = ngx_time();

            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: Redis \"%V\" refused an entry, dropped: %s",
                          &server->name, reply->str);
        }

    } else {
        ngx_http_rum_count(acknowledged);
        ngx_http_rum_server_count(server->slot, acknowledged);

        /* a connection that writes entries starts the backoff anew */
        server->backoff = NGX_HTTP_RUM_REDIS_BACKOFF_MIN;
    }

    ngx_http_rum_redis_free_entry(e);

    if (server->state == NGX_HTTP_RUM_REDIS_READY) {
        ngx_http_rum_redis_write(server);
    }

    if (ngx_http_rum_redis_queued == 0
        && ngx_exiting
        && ngx_http_rum_redis_tick.timer_set)
    {
        /* all written: the exiting worker may go at once */
        ngx_del_timer(&ngx_http_rum_redis_tick);
    }
}


static ngx_uint_t
ngx_http_rum_redis_transient(redisReply *reply)
{
    ngx_str_t  *t;

    for (t = ngx_http_rum_redis_transient_errors; t->len; t++) {
        if ((size_t) reply->len >= t->len
            && ngx_strncmp(reply->str, t->data, t->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_rum_redis_free_entry(ngx_http_rum_entry_t *e)
{
    ngx_queue_remove(&e->queue);

    ngx_http_rum_redis_queued -= e->size;
    ngx_http_rum_count_add(queued_entries, -1);
    ngx_http_rum_server_count_add(e->server->slot, queued_entries, -1);
    ngx_http_rum_count_add(queued_bytes, -(ngx_atomic_int_t) e->size);

    ngx_free(e);
}


/* the first entries that fit go to a spool file; returns how many */

static ngx_uint_t
ngx_http_rum_redis_spool(ngx_http_rum_redis_server_t *server)
{
    ngx_int_t                   rc;
    ngx_queue_t                *q;
    ngx_http_rum_entry_t       *e;
    ngx_http_rum_spool_file_t   f;

    if (ngx_http_rum_spool_open(&f, &server->name, server->spool_key,
                                server->log)
        != NGX_OK)
    {
        return 0;
    }

    for (q = ngx_queue_head(&server->pending);
         q != ngx_queue_sentinel(&server->pending);
         q = ngx_queue_next(q))
    {
        e = ngx_queue_data(q, ngx_http_rum_entry_t, queue);

        rc = ngx_http_rum_spool_write(&f, e->data, e->len);

        if (rc == NGX_DECLINED) {
            break;
        }

        if (rc == NGX_ERROR) {
            ngx_http_rum_spool_abort(&f);
            return 0;
        }
    }

    if (f.entries == 0) {
        ngx_http_rum_spool_abort(&f);
        return 0;
    }

    if (ngx_http_rum_spool_close(&f) != NGX_OK) {
        return 0;
    }

    ngx_http_rum_count_add(spool_written, f.entries);

    return f.entries;
}


/* files exiting workers left: taken while this worker does not exit */

static void
ngx_http_rum_redis_spool_handler(ngx_event_t *ev)
{
    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_http_rum_spool_replay(ngx_http_rum_redis_spool_take,
                              ngx_http_rum_redis_spool_entry, ev->log);

    ngx_add_timer(ev, NGX_HTTP_RUM_REDIS_SPOOL_SCAN);
}


/*
 * A file is taken by the server it was written for, when the queue is
 * empty or has room for it: the queue may hold one file more than
 * rum_queue, never more, and new beacons get 503 until it is written.
 */

static void *
ngx_http_rum_redis_spool_take(uint32_t key, off_t size)
{
    ngx_queue_t                  *q;
    ngx_http_rum_redis_server_t  *server;

    for (q = ngx_queue_head(&ngx_http_rum_redis_started);
         q != ngx_queue_sentinel(&ngx_http_rum_redis_started);
         q = ngx_queue_next(q))
    {
        server = ngx_queue_data(q, ngx_http_rum_redis_server_t, link);

        if (server->spool_key != key || server->front) {
            /* a cluster's file goes to its front, which routes it */
            continue;
        }

        if (ngx_http_rum_redis_queued == 0
            || (off_t) ngx_http_rum_redis_queued + size
               <= (off_t) server->rmcf->queue_size)
        {
            return server;
        }

        return NULL;
    }

    return NULL;
}


static ngx_int_t
ngx_http_rum_redis_spool_entry(void *data, u_char *p, size_t len)
{
    ngx_http_rum_redis_server_t *server = data;

    size_t                 size;
    ngx_http_rum_entry_t  *e;

    size = offsetof(ngx_http_rum_entry_t, data) + len;

    e = ngx_alloc(size, server->log);
    if (e == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(e->data, p, len);

    ngx_http_rum_redis_enqueue(server, e, size, len);

    ngx_http_rum_count(spool_replayed);

    return NGX_OK;
}


void
ngx_http_rum_redis_connected_count(ngx_int_t n)
{
    ngx_http_rum_redis_nconnected += n;
    ngx_http_rum_redis_gauge();
}


/* a worker is connected when all the servers it started are */

static void
ngx_http_rum_redis_gauge(void)
{
    ngx_uint_t  connected;

    connected = (ngx_http_rum_redis_nstarted
                 && ngx_http_rum_redis_nconnected
                    == ngx_http_rum_redis_nstarted);

    if (connected == ngx_http_rum_redis_worker_connected) {
        return;
    }

    ngx_http_rum_redis_worker_connected = connected;

    ngx_http_rum_count_add(workers_connected, connected ? 1 : -1);

    /* an exiting worker leaves its slot to the new worker of that number */

    if (!ngx_exiting
        && ngx_worker < NGX_HTTP_RUM_MAX_WORKERS
        && ngx_http_rum_counters)
    {
        ngx_http_rum_counters->worker_connected[ngx_worker] = connected;
    }
}


static size_t
ngx_http_rum_redis_digits(size_t n)
{
    size_t  d;

    for (d = 1; n >= 10; n /= 10) {
        d++;
    }

    return d;
}


/* an empty string may have no data at all */

static ngx_uint_t
ngx_http_rum_redis_str_eq(ngx_str_t *a, ngx_str_t *b)
{
    return a->len == b->len
           && (a->len == 0 || ngx_strncmp(a->data, b->data, a->len) == 0);
}


/*
 * Each server keeps its counters across reloads in a slot found by its
 * key (address and db); a new server takes a free slot.  Slots are never
 * given back: after NGX_HTTP_RUM_MAX_SERVERS different servers, a new one
 * counts only in the totals until nginx restarts.
 */

void
ngx_http_rum_redis_slots(ngx_array_t *servers,
    ngx_http_rum_counters_t *counters, ngx_log_t *log)
{
    ngx_uint_t                     i, n, free;
    ngx_atomic_uint_t              key;
    ngx_http_rum_redis_server_t  **s;

    s = servers->elts;

    for (i = 0; i < servers->nelts; i++) {
        key = s[i]->spool_key ? s[i]->spool_key : 1;
        free = 0;

        for (n = 1; n <= NGX_HTTP_RUM_MAX_SERVERS; n++) {
            if (counters->servers[n].key == key) {
                break;
            }

            if (counters->servers[n].key == 0 && free == 0) {
                free = n;
            }
        }

        if (n > NGX_HTTP_RUM_MAX_SERVERS) {
            if (free == 0) {
                ngx_log_error(NGX_LOG_NOTICE, log, 0,
                              "rum: Redis \"%V\" has no counters of its "
                              "own in rum_status: more than %d servers "
                              "since nginx started", &s[i]->name,
                              NGX_HTTP_RUM_MAX_SERVERS);
                s[i]->slot = 0;
                continue;
            }

            n = free;
            counters->servers[n].key = key;
        }

        s[i]->slot = n;
    }
}


size_t
ngx_http_rum_redis_status_size(ngx_array_t *servers)
{
    size_t                          size;
    ngx_uint_t                      i;
    ngx_http_rum_redis_server_t   **s;

    size = 2048;
    s = servers->elts;

    /* JSON and each Prometheus family: the name escaped (at most 6x) */

    for (i = 0; i < servers->nelts; i++) {
        size += 2048 + 10 * 6 * s[i]->name.len;

        if (s[i]->clustered) {
            size += ngx_http_rum_cluster_status_size(s[i]);
        }
    }

    return size;
}


u_char *
ngx_http_rum_redis_status_json(u_char *p, u_char *last, ngx_array_t *servers)
{
    ngx_uint_t                       i, first;
    ngx_http_rum_redis_server_t    **s;
    ngx_http_rum_server_counters_t  *c;

    s = servers->elts;
    first = 1;

    for (i = 0; i < servers->nelts; i++) {
        if (s[i]->slot == 0
            || last - p < 512 + 6 * (ssize_t) s[i]->name.len)
        {
            continue;
        }

        c = &ngx_http_rum_counters->servers[s[i]->slot];

        if (!first) {
            *p++ = ',';
        }

        p = ngx_http_rum_redis_server_json(p, &s[i]->name, NULL, c);
        first = 0;

        if (s[i]->clustered) {
            /* its nodes, each after a comma */
            p = ngx_http_rum_cluster_status_json(p, last, s[i]);
        }
    }

    return p;
}


/* one server's counters as a JSON object; a cluster's node names it */

u_char *
ngx_http_rum_redis_server_json(u_char *p, ngx_str_t *name,
    ngx_str_t *cluster, ngx_http_rum_server_counters_t *c)
{
    p = ngx_cpymem(p, "{\"name\":\"", sizeof("{\"name\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, name->data, name->len);

    if (cluster) {
        p = ngx_cpymem(p, "\",\"cluster\":\"",
                       sizeof("\",\"cluster\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, cluster->data, cluster->len);
    }

    return ngx_sprintf(p, "\",\"workers_connected\":%A,"
                       "\"queued\":%A,\"written\":%uA,"
                       "\"acknowledged\":%uA,\"resent\":%uA,"
                       "\"redirected\":%uA,"
                       "\"dropped\":%uA,\"connects\":%uA,"
                       "\"connect_failures\":%uA,\"disconnects\":%uA}",
                       (ngx_atomic_int_t) c->workers_connected,
                       (ngx_atomic_int_t) c->queued_entries,
                       c->written, c->acknowledged, c->resent,
                       c->redirected,
                       c->dropped_redis_error, c->connects,
                       c->connect_failures, c->disconnects);
}


/* one sample of a server's family; a cluster's node has that label too */

u_char *
ngx_http_rum_redis_server_sample(u_char *p, char *family, ngx_str_t *name,
    ngx_str_t *cluster, ngx_atomic_t *v)
{
    p = ngx_sprintf(p, "%s{server=\"", family);
    p = (u_char *) ngx_escape_json(p, name->data, name->len);

    if (cluster) {
        p = ngx_cpymem(p, "\",cluster=\"", sizeof("\",cluster=\"") - 1);
        p = (u_char *) ngx_escape_json(p, cluster->data, cluster->len);
    }

    return ngx_sprintf(p, "\"} %A\n", (ngx_atomic_int_t) *v);
}


/* the families of the servers' counters, in the Prometheus text format */

typedef struct {
    char                         *name;
    char                         *type;
    char                         *help;
    size_t                        offset;
} ngx_http_rum_redis_family_t;


static ngx_http_rum_redis_family_t  ngx_http_rum_redis_families[] = {

    { "rum_redis_server_written_total", "counter",
      "XADD commands written to this server.",
      offsetof(ngx_http_rum_server_counters_t, written) },

    { "rum_redis_server_acknowledged_total", "counter",
      "XADD commands it answered with an id.",
      offsetof(ngx_http_rum_server_counters_t, acknowledged) },

    { "rum_redis_server_resent_total", "counter",
      "XADD commands written to it again after a reconnect.",
      offsetof(ngx_http_rum_server_counters_t, resent) },

    { "rum_redis_server_redirected_total", "counter",
      "Entries it redirected to another node (MOVED, ASK).",
      offsetof(ngx_http_rum_server_counters_t, redirected) },

    { "rum_redis_server_dropped_total", "counter",
      "Entries it refused for good.",
      offsetof(ngx_http_rum_server_counters_t, dropped_redis_error) },

    { "rum_redis_server_connects_total", "counter",
      "Connections established to it.",
      offsetof(ngx_http_rum_server_counters_t, connects) },

    { "rum_redis_server_connect_failures_total", "counter",
      "Connection attempts to it that failed.",
      offsetof(ngx_http_rum_server_counters_t, connect_failures) },

    { "rum_redis_server_disconnects_total", "counter",
      "Established connections to it lost.",
      offsetof(ngx_http_rum_server_counters_t, disconnects) },

    { "rum_redis_server_workers_connected", "gauge",
      "Workers connected to it.",
      offsetof(ngx_http_rum_server_counters_t, workers_connected) },

    { "rum_redis_server_queue_entries", "gauge",
      "Entries for it not acknowledged yet.",
      offsetof(ngx_http_rum_server_counters_t, queued_entries) },

    { NULL, NULL, NULL, 0 }
};


u_char *
ngx_http_rum_redis_status_prometheus(u_char *p, u_char *last,
    ngx_array_t *servers)
{
    ngx_uint_t                       i;
    ngx_atomic_t                    *v;
    ngx_http_rum_redis_family_t     *f;
    ngx_http_rum_redis_server_t    **s;

    s = servers->elts;

    for (f = ngx_http_rum_redis_families; f->name; f++) {

        if (last - p < 256) {
            break;
        }

        p = ngx_sprintf(p, "# HELP %s %s\n# TYPE %s %s\n",
                        f->name, f->help, f->name, f->type);

        for (i = 0; i < servers->nelts; i++) {
            if (s[i]->slot == 0
                || last - p < 128 + 6 * (ssize_t) s[i]->name.len)
            {
                continue;
            }

            v = (ngx_atomic_t *)
                    ((u_char *) &ngx_http_rum_counters->servers[s[i]->slot]
                     + f->offset);

            p = ngx_http_rum_redis_server_sample(p, f->name, &s[i]->name,
                                                 NULL, v);

            if (s[i]->clustered) {
                p = ngx_http_rum_cluster_status_prometheus(p, last, s[i],
                                                           f->name,
                                                           f->offset);
            }
        }
    }

    return p;
}
