
/*
 * ngx_http_rum_module: the Redis side.
 *
 * Each worker holds one non-blocking hiredis connection per configured
 * server, and the entries Redis has not acknowledged yet: "pending" ones
 * wait to be written, "inflight" ones were written and wait for their
 * reply.  A reply with an id frees the entry; when the connection dies,
 * the inflight entries go back to the head of the pending queue and are
 * written again after the reconnect (at-least-once).  All entries of a
 * worker together are bounded by rum_queue.
 */


#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_redis.h"


#define NGX_HTTP_RUM_REDIS_DISCONNECTED   0
#define NGX_HTTP_RUM_REDIS_CONNECTING     1
#define NGX_HTTP_RUM_REDIS_SETUP          2  /* AUTH, SELECT under way */
#define NGX_HTTP_RUM_REDIS_READY          3

/* what may be written but not answered, so hiredis' buffer stays small */
#define NGX_HTTP_RUM_REDIS_MAX_INFLIGHT        512
#define NGX_HTTP_RUM_REDIS_MAX_INFLIGHT_BYTES  (1024 * 1024)

#define NGX_HTTP_RUM_REDIS_BACKOFF_MIN    100
#define NGX_HTTP_RUM_REDIS_BACKOFF_MAX    5000
#define NGX_HTTP_RUM_REDIS_STALL          10000  /* no reply: reconnect */
#define NGX_HTTP_RUM_REDIS_TICK           1000
#define NGX_HTTP_RUM_REDIS_EXIT_FLUSH     3000


struct ngx_http_rum_redis_server_s {
    ngx_str_t                     name;       /* as configured, for logs */
    char                         *host;       /* an IP address */
    int                           port;
    char                         *path;       /* a unix socket */
    ngx_str_t                     user;
    ngx_str_t                     password;
    ngx_int_t                     db;
    ngx_msec_t                    connect_timeout;

    /* the state of this worker's connection */
    redisAsyncContext            *ac;
    ngx_uint_t                    state;
    ngx_queue_t                   pending;
    ngx_queue_t                   inflight;
    ngx_uint_t                    inflight_n;
    size_t                        inflight_bytes;
    ngx_msec_t                    backoff;
    ngx_uint_t                    failures;
    ngx_msec_t                    progress;   /* last reply, or a write */
    time_t                        error_logged;
    ngx_event_t                   timer;      /* connect timeout, backoff */
    ngx_log_t                    *log;
};


typedef struct {
    ngx_queue_t                   queue;
    ngx_http_rum_redis_server_t  *server;
    size_t                        size;       /* counted against rum_queue */
    size_t                        len;        /* of the RESP command */
    unsigned                      written:1;
    u_char                        data[1];
} ngx_http_rum_entry_t;


static void ngx_http_rum_redis_connect(ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_redis_setup_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_redis_ready(ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_rum_redis_lost(ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_timer_handler(ngx_event_t *ev);
static void ngx_http_rum_redis_tick_handler(ngx_event_t *ev);
static void ngx_http_rum_redis_write(ngx_http_rum_redis_server_t *server);
static void ngx_http_rum_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rum_redis_free_entry(ngx_http_rum_entry_t *e);
static void ngx_http_rum_redis_arm_tick(void);
static size_t ngx_http_rum_redis_digits(size_t n);


static ngx_array_t  *ngx_http_rum_redis_servers;
static size_t        ngx_http_rum_redis_queue_size;
static size_t        ngx_http_rum_redis_queued;
static ngx_uint_t    ngx_http_rum_redis_exiting;
static ngx_msec_t    ngx_http_rum_redis_deadline;
static ngx_event_t   ngx_http_rum_redis_tick;

/* timers log their event's data as a connection: give them one */
static ngx_connection_t  ngx_http_rum_redis_dummy;


ngx_http_rum_redis_server_t *
ngx_http_rum_redis_server_add(ngx_conf_t *cf, ngx_str_t *args,
    ngx_uint_t nargs)
{
    u_char                        *p;
    ngx_int_t                      n;
    ngx_str_t                      value;
    ngx_url_t                      u;
    ngx_uint_t                     i;
    ngx_http_rum_main_conf_t      *rmcf;
    ngx_http_rum_redis_server_t   *server, **s;

    server = ngx_pcalloc(cf->pool, sizeof(ngx_http_rum_redis_server_t));
    if (server == NULL) {
        return NULL;
    }

    server->name = args[0];
    server->db = -1;
    server->connect_timeout = 1000;

    for (i = 1; i < nargs; i++) {
        value = args[i];

        if (ngx_strncmp(value.data, "password=", 9) == 0) {
            server->password.data = value.data + 9;
            server->password.len = value.len - 9;
            continue;
        }

        if (ngx_strncmp(value.data, "user=", 5) == 0) {
            server->user.data = value.data + 5;
            server->user.len = value.len - 5;
            continue;
        }

        if (ngx_strncmp(value.data, "db=", 3) == 0) {
            n = ngx_atoi(value.data + 3, value.len - 3);
            if (n == NGX_ERROR) {
                goto invalid;
            }

            server->db = n;
            continue;
        }

        if (ngx_strncmp(value.data, "connect_timeout=", 16) == 0) {
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

        goto invalid;
    }

    if (server->user.len && server->password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rum_redis \"user=\" needs \"password=\"");
        return NULL;
    }

    if (ngx_strncmp(args[0].data, "unix:", 5) == 0) {
        if (args[0].len == 5) {
            goto invalid_address;
        }

        server->path = (char *) args[0].data + 5;

    } else {

        /* host names are resolved now: a worker never blocks on DNS */

        ngx_memzero(&u, sizeof(ngx_url_t));

        u.url = args[0];
        u.default_port = 6379;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
            if (u.err) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "%s in rum_redis \"%V\"", u.err, &args[0]);
                return NULL;
            }

            goto invalid_address;
        }

        p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
        if (p == NULL) {
            return NULL;
        }

        switch (u.addrs[0].sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
        case AF_INET6:
            n = ngx_inet_ntop(AF_INET6,
                    &((struct sockaddr_in6 *) u.addrs[0].sockaddr)->sin6_addr,
                    p, NGX_SOCKADDR_STRLEN);
            break;
#endif

        default: /* AF_INET */
            n = ngx_inet_ntop(AF_INET,
                    &((struct sockaddr_in *) u.addrs[0].sockaddr)->sin_addr,
                    p, NGX_SOCKADDR_STRLEN);
            break;
        }

        p[n] = '\0';

        server->host = (char *) p;
        server->port = u.port;
    }

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rum_module);

    s = rmcf->servers.elts;

    for (i = 0; i < rmcf->servers.nelts; i++) {
        if (s[i]->name.len == server->name.len
            && ngx_strncmp(s[i]->name.data, server->name.data,
                           server->name.len) == 0
            && s[i]->password.len == server->password.len
            && ngx_strncmp(s[i]->password.data, server->password.data,
                           server->password.len) == 0
            && s[i]->user.len == server->user.len
            && ngx_strncmp(s[i]->user.data, server->user.data,
                           server->user.len) == 0
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

    return server;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"rum_redis\"", &args[i]);
    return NULL;

invalid_address:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid address \"%V\" in \"rum_redis\", it must be "
                       "host:port or unix:/path", &args[0]);
    return NULL;
}


ngx_int_t
ngx_http_rum_redis_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i;
    ngx_http_rum_main_conf_t      *rmcf;
    ngx_http_rum_redis_server_t  **s;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rum_module);

    ngx_http_rum_redis_servers = &rmcf->servers;
    ngx_http_rum_redis_queue_size = rmcf->queue_size;

    ngx_http_rum_redis_tick.handler = ngx_http_rum_redis_tick_handler;
    ngx_http_rum_redis_tick.log = cycle->log;
    ngx_http_rum_redis_dummy.fd = (ngx_socket_t) -1;
    ngx_http_rum_redis_tick.data = &ngx_http_rum_redis_dummy;

    s = rmcf->servers.elts;

    for (i = 0; i < rmcf->servers.nelts; i++) {
        ngx_queue_init(&s[i]->pending);
        ngx_queue_init(&s[i]->inflight);

        s[i]->log = cycle->log;
        s[i]->backoff = NGX_HTTP_RUM_REDIS_BACKOFF_MIN;

        s[i]->timer.handler = ngx_http_rum_redis_timer_handler;
        s[i]->timer.data = &ngx_http_rum_redis_dummy;
        s[i]->timer.log = cycle->log;
        s[i]->timer.cancelable = 1;

        ngx_http_rum_redis_connect(s[i]);
    }

    return NGX_OK;
}


void
ngx_http_rum_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i, n;
    ngx_queue_t                   *q;
    ngx_http_rum_redis_server_t  **s;

    if (ngx_http_rum_redis_servers == NULL) {
        return;
    }

    ngx_http_rum_redis_exiting = 1;

    s = ngx_http_rum_redis_servers->elts;

    for (i = 0; i < ngx_http_rum_redis_servers->nelts; i++) {

        if (s[i]->ac) {
            /* inflight entries get NULL replies, then the disconnect */
            redisAsyncFree(s[i]->ac);
            s[i]->ac = NULL;
        }

        n = 0;

        while (!ngx_queue_empty(&s[i]->inflight)) {
            q = ngx_queue_head(&s[i]->inflight);
            ngx_http_rum_redis_free_entry(
                       ngx_queue_data(q, ngx_http_rum_entry_t, queue));
            n++;
        }

        while (!ngx_queue_empty(&s[i]->pending)) {
            q = ngx_queue_head(&s[i]->pending);
            ngx_http_rum_redis_free_entry(
                       ngx_queue_data(q, ngx_http_rum_entry_t, queue));
            n++;
        }

        if (n) {
            ngx_http_rum_count_add(dropped_exit, n);

            ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                          "rum: %ui entries for Redis \"%V\" were not "
                          "written before the worker exited",
                          n, &s[i]->name);
        }
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

    /* the command in the Redis protocol, formatted once, kept until acked */

    len = sizeof("*\r\n") - 1 + ngx_http_rum_redis_digits(argc);

    for (i = 0; i < argc; i++) {
        len += sizeof("$\r\n\r\n") - 1 + ngx_http_rum_redis_digits(argvlen[i])
               + argvlen[i];
    }

    size = offsetof(ngx_http_rum_entry_t, data) + len;

    if (ngx_http_rum_redis_queued + size > ngx_http_rum_redis_queue_size) {
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
        *p++ = '\r'; *p++ = '\n';
    }

    e->server = server;
    e->size = size;
    e->len = p - e->data;
    e->written = 0;

    ngx_queue_insert_tail(&server->pending, &e->queue);

    ngx_http_rum_redis_queued += size;
    ngx_http_rum_count(queued_entries);
    ngx_http_rum_count_add(queued_bytes, size);

    if (server->state == NGX_HTTP_RUM_REDIS_READY) {
        ngx_http_rum_redis_write(server);
    }

    ngx_http_rum_redis_arm_tick();

    return NGX_OK;
}


static void
ngx_http_rum_redis_connect(ngx_http_rum_redis_server_t *server)
{
    redisAsyncContext  *ac;

    if (server->path) {
        ac = redisAsyncConnectUnix(server->path);

    } else {
        ac = redisAsyncConnect(server->host, server->port);
    }

    if (ac == NULL || ac->err) {
        if (server->failures++ == 0) {
            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: cannot connect to Redis \"%V\": %s",
                          &server->name, ac ? ac->errstr : "out of memory");
        }

        ngx_http_rum_count(redis_connect_failures);

        if (ac) {
            redisAsyncFree(ac);
        }

        goto retry;
    }

    ac->data = server;

    if (ngx_http_rum_redis_attach(ac, server->log) != NGX_OK) {
        redisAsyncFree(ac);
        goto retry;
    }

    redisAsyncSetConnectCallback(ac, ngx_http_rum_redis_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_rum_redis_disconnected);

    server->ac = ac;
    server->state = NGX_HTTP_RUM_REDIS_CONNECTING;

    ngx_add_timer(&server->timer, server->connect_timeout);

    return;

retry:

    server->state = NGX_HTTP_RUM_REDIS_DISCONNECTED;
    ngx_add_timer(&server->timer,
                  server->backoff + ngx_random() % (server->backoff / 4 + 1));
}


static void
ngx_http_rum_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context now, without a disconnect callback */

        if (server->failures++ == 0) {
            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: cannot connect to Redis \"%V\": %s",
                          &server->name, ac->errstr);

        } else if (server->failures % 100 == 0) {
            ngx_log_error(NGX_LOG_WARN, server->log, 0,
                          "rum: still cannot connect to Redis \"%V\" "
                          "after %ui attempts: %s",
                          &server->name, server->failures, ac->errstr);
        }

        ngx_http_rum_count(redis_connect_failures);

        server->ac = NULL;
        ngx_http_rum_redis_lost(server);
        return;
    }

    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    server->state = NGX_HTTP_RUM_REDIS_SETUP;

    /* AUTH and SELECT go first; entries follow once they succeed */

    if (server->password.len) {
        if (server->user.len) {
            redisAsyncCommand(server->ac, ngx_http_rum_redis_setup_reply,
                              server, "AUTH %b %b",
                              server->user.data, server->user.len,
                              server->password.data, server->password.len);

        } else {
            redisAsyncCommand(server->ac, ngx_http_rum_redis_setup_reply,
                              server, "AUTH %b",
                              server->password.data, server->password.len);
        }
    }

    if (server->db >= 0) {
        redisAsyncCommand(server->ac, ngx_http_rum_redis_setup_reply, server,
                          "SELECT %d", (int) server->db);
    }

    if (server->password.len == 0 && server->db < 0) {
        ngx_http_rum_redis_ready(server);
    }
}


static void
ngx_http_rum_redis_setup_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                   *reply = r;
    ngx_http_rum_redis_server_t  *server = privdata;

    if (reply == NULL || server->state != NGX_HTTP_RUM_REDIS_SETUP) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, server->log, 0,
                      "rum: Redis \"%V\" refused the connection setup: %*s",
                      &server->name, (size_t) reply->len, reply->str);

        /* backs off and tries again, the password may be changed */
        server->state = NGX_HTTP_RUM_REDIS_CONNECTING;
        redisAsyncDisconnect(ac);
        return;
    }

    /* the last setup command answers last */

    if (server->db >= 0 && reply->type == REDIS_REPLY_STATUS
        && ngx_strncmp(reply->str, "OK", 2) == 0
        && (ac->replies.head == NULL))
    {
        ngx_http_rum_redis_ready(server);
        return;
    }

    if (server->db < 0) {
        ngx_http_rum_redis_ready(server);
    }
}


static void
ngx_http_rum_redis_ready(ngx_http_rum_redis_server_t *server)
{
    ngx_uint_t  level;

    level = server->failures > 1 ? NGX_LOG_NOTICE : NGX_LOG_INFO;

    server->state = NGX_HTTP_RUM_REDIS_READY;
    server->backoff = NGX_HTTP_RUM_REDIS_BACKOFF_MIN;
    server->progress = ngx_current_msec;

    ngx_log_error(level, server->log, 0, "rum: connected to Redis \"%V\"%s",
                  &server->name,
                  server->failures > 1 ? " again" : "");

    server->failures = 0;

    ngx_http_rum_count(redis_connects);
    ngx_http_rum_count(workers_connected);

    if (ngx_worker < NGX_HTTP_RUM_MAX_WORKERS && ngx_http_rum_counters) {
        ngx_http_rum_counters->worker_connected[ngx_worker] = 1;
    }

    ngx_http_rum_redis_write(server);
    ngx_http_rum_redis_arm_tick();
}


static void
ngx_http_rum_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_uint_t                    level;
    ngx_http_rum_redis_server_t  *server;

    server = ac->data;
    level = (status == REDIS_OK) ? NGX_LOG_WARN : NGX_LOG_ERR;

    if (server->state == NGX_HTTP_RUM_REDIS_READY) {
        ngx_http_rum_count(redis_disconnects);
        ngx_http_rum_count_add(workers_connected, -1);

        if (ngx_worker < NGX_HTTP_RUM_MAX_WORKERS && ngx_http_rum_counters) {
            ngx_http_rum_counters->worker_connected[ngx_worker] = 0;
        }

        if (!ngx_http_rum_redis_exiting) {
            ngx_log_error(level, server->log, 0,
                          "rum: lost the connection to Redis \"%V\": %s",
                          &server->name,
                          ac->errstr[0] ? ac->errstr : "closed");
        }

        /* one failure counted, so that the next connect says "again" */
        server->failures = 1;
    }

    server->ac = NULL;

    ngx_http_rum_redis_lost(server);
}


/* the connection is gone: unanswered entries wait to be written again */

static void
ngx_http_rum_redis_lost(ngx_http_rum_redis_server_t *server)
{
    ngx_queue_t  *q;

    while (!ngx_queue_empty(&server->inflight)) {
        q = ngx_queue_last(&server->inflight);
        ngx_queue_remove(q);
        ngx_queue_insert_head(&server->pending, q);
    }

    server->inflight_n = 0;
    server->inflight_bytes = 0;
    server->state = NGX_HTTP_RUM_REDIS_DISCONNECTED;

    if (ngx_http_rum_redis_exiting) {
        return;
    }

    if (server->timer.timer_set) {
        ngx_del_timer(&server->timer);
    }

    ngx_add_timer(&server->timer,
                  server->backoff + ngx_random() % (server->backoff / 4 + 1));

    server->backoff = ngx_min(server->backoff * 2,
                              NGX_HTTP_RUM_REDIS_BACKOFF_MAX);
}


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

    if (server->state == NGX_HTTP_RUM_REDIS_CONNECTING) {
        if (server->failures++ == 0) {
            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: connecting to Redis \"%V\" timed out",
                          &server->name);
        }

        ngx_http_rum_count(redis_connect_failures);

        /* not connected: no disconnect callback */

        ac = server->ac;
        server->ac = NULL;
        redisAsyncFree(ac);

        ngx_http_rum_redis_lost(server);
    }
}


/*
 * Once a second while entries are queued: a connection that answers
 * nothing for too long is dropped and made anew, and an exiting worker is
 * kept alive (the timer is not cancelable) until its queue is written or
 * its flush time is over.
 */

static void
ngx_http_rum_redis_tick_handler(ngx_event_t *ev)
{
    ngx_uint_t                     i, queued;
    redisAsyncContext             *ac;
    ngx_http_rum_redis_server_t  **s;

    queued = 0;
    s = ngx_http_rum_redis_servers->elts;

    for (i = 0; i < ngx_http_rum_redis_servers->nelts; i++) {

        if (!ngx_queue_empty(&s[i]->pending)
            || !ngx_queue_empty(&s[i]->inflight))
        {
            queued = 1;
        }

        if (s[i]->state == NGX_HTTP_RUM_REDIS_READY
            && !ngx_queue_empty(&s[i]->inflight)
            && ngx_current_msec - s[i]->progress
               > NGX_HTTP_RUM_REDIS_STALL)
        {
            ngx_log_error(NGX_LOG_ERR, s[i]->log, 0,
                          "rum: Redis \"%V\" answered nothing for %M ms, "
                          "reconnecting", &s[i]->name,
                          ngx_current_msec - s[i]->progress);

            ac = s[i]->ac;
            redisAsyncFree(ac);   /* calls the disconnect callback */
        }
    }

    if (!queued) {
        return;
    }

    if (ngx_exiting) {
        if (ngx_http_rum_redis_deadline == 0) {
            ngx_http_rum_redis_deadline = ngx_current_msec
                                          + NGX_HTTP_RUM_REDIS_EXIT_FLUSH;
        }

        if ((ngx_msec_int_t) (ngx_current_msec - ngx_http_rum_redis_deadline)
            >= 0)
        {
            /* let the worker exit: exit_process counts what is left */
            return;
        }

        ngx_add_timer(ev, 100);
        return;
    }

    ngx_add_timer(ev, NGX_HTTP_RUM_REDIS_TICK);
}


static void
ngx_http_rum_redis_arm_tick(void)
{
    if (!ngx_http_rum_redis_tick.timer_set) {
        ngx_add_timer(&ngx_http_rum_redis_tick,
                      ngx_exiting ? 100 : NGX_HTTP_RUM_REDIS_TICK);
    }
}


static void
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

        if (e->written) {
            ngx_http_rum_count(resent);
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
        /* the connection is going: the entry stays for the next one */
        return;
    }

    server = e->server;
    server->progress = ngx_current_msec;
    server->inflight_n--;
    server->inflight_bytes -= e->len;

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_http_rum_count(dropped_redis_error);

        if (server->error_logged != ngx_time()) {
            server->error_logged = ngx_time();

            ngx_log_error(NGX_LOG_ERR, server->log, 0,
                          "rum: Redis \"%V\" refused an entry: %*s",
                          &server->name, (size_t) reply->len, reply->str);
        }

    } else {
        ngx_http_rum_count(acknowledged);
    }

    ngx_http_rum_redis_free_entry(e);

    if (server->state == NGX_HTTP_RUM_REDIS_READY) {
        ngx_http_rum_redis_write(server);
    }
}


static void
ngx_http_rum_redis_free_entry(ngx_http_rum_entry_t *e)
{
    ngx_queue_remove(&e->queue);

    ngx_http_rum_redis_queued -= e->size;
    ngx_http_rum_count_add(queued_entries, -1);
    ngx_http_rum_count_add(queued_bytes, -(ngx_atomic_int_t) e->size);

    ngx_free(e);
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
