
/*
 * ngx_http_rum_module: hiredis on nginx's event loop.
 *
 * The hiredis socket is wrapped in an nginx connection, and hiredis' event
 * hooks add and delete its read and write events.  Events are registered
 * level-triggered: hiredis reads at most 16 KiB per call, so with an
 * edge-triggered registration bytes could be left unread.  The socket
 * belongs to hiredis, which closes it: the cleanup hook only gives the
 * nginx connection back.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_redis.h"


static void ngx_http_rum_redis_read_handler(ngx_event_t *ev);
static void ngx_http_rum_redis_write_handler(ngx_event_t *ev);
static void ngx_http_rum_redis_add_read(void *data);
static void ngx_http_rum_redis_del_read(void *data);
static void ngx_http_rum_redis_add_write(void *data);
static void ngx_http_rum_redis_del_write(void *data);
static void ngx_http_rum_redis_cleanup(void *data);


ngx_int_t
ngx_http_rum_redis_attach(redisAsyncContext *ac, ngx_log_t *log)
{
    ngx_connection_t  *c;

    c = ngx_get_connection(ac->c.fd, log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = ac;
    c->read->handler = ngx_http_rum_redis_read_handler;
    c->write->handler = ngx_http_rum_redis_write_handler;
    c->read->log = log;
    c->write->log = log;

    ac->ev.data = c;
    ac->ev.addRead = ngx_http_rum_redis_add_read;
    ac->ev.delRead = ngx_http_rum_redis_del_read;
    ac->ev.addWrite = ngx_http_rum_redis_add_write;
    ac->ev.delWrite = ngx_http_rum_redis_del_write;
    ac->ev.cleanup = ngx_http_rum_redis_cleanup;

    /* the first writable event completes the non-blocking connect */

    ngx_http_rum_redis_add_write(c);

    return NGX_OK;
}


static void
ngx_http_rum_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c;

    c = ev->data;

    if (c->close) {
        /*
         * worker_shutdown_timeout is over: the worker stops flushing and
         * exits; exit_process frees the context and counts what is left
         */

        c->close = 0;
        ngx_http_rum_redis_shutdown_timeout();
        return;
    }

    /* the context and the connection may be gone after this call */

    redisAsyncHandleRead(c->data);
}


static void
ngx_http_rum_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c;

    c = ev->data;

    redisAsyncHandleWrite(c->data);
}


static void
ngx_http_rum_redis_add_read(void *data)
{
    ngx_connection_t *c = data;

    if (!c->read->active) {
        if (ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                          "rum: could not add the Redis read event");
        }
    }
}


static void
ngx_http_rum_redis_del_read(void *data)
{
    ngx_connection_t *c = data;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_rum_redis_add_write(void *data)
{
    ngx_connection_t *c = data;

    if (!c->write->active) {
        if (ngx_add_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                          "rum: could not add the Redis write event");
        }
    }
}


static void
ngx_http_rum_redis_del_write(void *data)
{
    ngx_connection_t *c = data;

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_http_rum_redis_cleanup(void *data)
{
    ngx_connection_t *c = data;

    ngx_http_rum_redis_del_read(c);
    ngx_http_rum_redis_del_write(c);

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    /* hiredis closes the socket itself, right after this hook */

    ngx_free_connection(c);

    c->fd = (ngx_socket_t) -1;
}
