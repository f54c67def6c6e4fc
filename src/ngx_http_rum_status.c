
/*
 * ngx_http_rum_module: counters shared by all workers, and rum_status,
 * which shows them as JSON or in the Prometheus text format.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_redis.h"


#define NGX_HTTP_RUM_STATUS_SIZE  8192


static u_char *ngx_http_rum_status_json(u_char *p, u_char *last,
    ngx_http_rum_counters_t *c, ngx_uint_t workers, ngx_array_t *servers);
static u_char *ngx_http_rum_status_prometheus(u_char *p, u_char *last,
    ngx_http_rum_counters_t *c, ngx_uint_t workers, ngx_array_t *servers);


ngx_http_rum_counters_t  *ngx_http_rum_counters;
ngx_array_t              *ngx_http_rum_status_servers;


static ngx_str_t  ngx_http_rum_cache_control = ngx_string("Cache-Control");
static ngx_str_t  ngx_http_rum_no_store = ngx_string("no-store");
static ngx_str_t  ngx_http_rum_allow = ngx_string("Allow");
static ngx_str_t  ngx_http_rum_get_head = ngx_string("GET, HEAD");
static ngx_str_t  ngx_http_rum_accept = ngx_string("Accept");


static char  *ngx_http_rum_reject_names[] = {
    "method",
    "origin",
    "too_large",
    "encoding",
    "invalid",
    "not_object",
    "too_deep",
    "too_long",
    "utf8",
    "field",
    "queue_full",
    "error"
};


static char  *ngx_http_rum_skip_names[] = {
    "off",
    "status",
    "type",
    "subrequest",
    "no_transform",
    "compressed",
    "already",
    "no_head",
    "head",
    "range",
    "privacy",
    "error"
};


ngx_int_t
ngx_http_rum_status_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t          *shpool;
    ngx_http_rum_counters_t  *counters;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data) {
        /* a reload keeps the counters of the previous cycle */
        counters = data;

    } else if (shm_zone->shm.exists) {
        counters = shpool->data;

    } else {
        counters = ngx_slab_calloc(shpool, sizeof(ngx_http_rum_counters_t));
        if (counters == NULL) {
            return NGX_ERROR;
        }

        shpool->data = counters;
    }

    shm_zone->data = counters;
    ngx_http_rum_counters = counters;

    /* the master, alone: each server finds its slot, or takes a free one */

    if (ngx_http_rum_status_servers) {
        ngx_http_rum_redis_slots(ngx_http_rum_status_servers, counters,
                                 shm_zone->shm.log);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_rum_status_handler(ngx_http_request_t *r)
{
    u_char                    *p;
    ngx_int_t                  rc;
    ngx_str_t                  format;
    ngx_buf_t                 *b;
    ngx_uint_t                 prometheus, workers;
    ngx_array_t               *servers;
    ngx_chain_t                out;
    ngx_core_conf_t           *ccf;
    ngx_table_elt_t           *accept;
    ngx_http_rum_main_conf_t  *rmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        /* a 405 must say what is allowed (RFC 9110, 15.5.6) */

        if (ngx_http_rum_add_header(r, &ngx_http_rum_allow,
                                    &ngx_http_rum_get_head)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_rum_counters == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    prometheus = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK) {
        prometheus = (format.len == 10
                      && ngx_strncmp(format.data, "prometheus", 10) == 0);

    } else {
        /* r->headers_in.accept is there only in some builds */
        accept = ngx_http_rum_find_header(&r->headers_in.headers,
                                          &ngx_http_rum_accept);

        if (accept
            && ngx_strlcasestrn(accept->value.data,
                                accept->value.data + accept->value.len,
                                (u_char *) "text/plain", 10 - 1)
               != NULL)
        {
            prometheus = 1;
        }
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);
    workers = ngx_min((ngx_uint_t) ccf->worker_processes,
                      NGX_HTTP_RUM_MAX_WORKERS);

    rmcf = ngx_http_get_module_main_conf(r, ngx_http_rum_module);
    servers = &rmcf->servers;

    b = ngx_create_temp_buf(r->pool, NGX_HTTP_RUM_STATUS_SIZE
                                     + ngx_http_rum_redis_status_size(servers));
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (prometheus) {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
        p = ngx_http_rum_status_prometheus(b->last, b->end,
                                           ngx_http_rum_counters, workers,
                                           servers);

    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
        p = ngx_http_rum_status_json(b->last, b->end, ngx_http_rum_counters,
                                     workers, servers);
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = p - b->pos;

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    /* counters change all the time: no caching */

    if (ngx_http_rum_add_header(r, &ngx_http_rum_cache_control,
                                &ngx_http_rum_no_store)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


#define ngx_http_rum_value(v)  ((ngx_atomic_int_t) (v))


static u_char *
ngx_http_rum_status_json(u_char *p, u_char *last, ngx_http_rum_counters_t *c,
    ngx_uint_t workers, ngx_array_t *servers)
{
    ngx_uint_t  i;

    p = ngx_sprintf(p, "{\"beacons\":{\"accepted\":%uA,\"preflights\":%uA,"
                    "\"rejected\":{", c->beacons_accepted, c->preflights);

    for (i = 0; i < NGX_HTTP_RUM_REJECT_N; i++) {
        p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "",
                        ngx_http_rum_reject_names[i],
                        c->beacons_rejected[i]);
    }

    p = ngx_sprintf(p, "}},\"queue\":{\"entries\":%A,\"bytes\":%A},",
                    ngx_http_rum_value(c->queued_entries),
                    ngx_http_rum_value(c->queued_bytes));

    p = ngx_sprintf(p, "\"redis\":{\"written\":%uA,\"acknowledged\":%uA,"
                    "\"resent\":%uA,\"dropped\":{\"redis_error\":%uA,"
                    "\"exit\":%uA},\"spool\":{\"written\":%uA,"
                    "\"replayed\":%uA,\"corrupt\":%uA},"
                    "\"cluster\":{\"maps\":%uA,\"moved\":%uA,"
                    "\"asked\":%uA},"
                    "\"connects\":%uA,\"connect_failures\":%uA,"
                    "\"disconnects\":%uA,\"workers_connected\":%A,"
                    "\"workers\":[",
                    c->written, c->acknowledged, c->resent,
                    c->dropped_redis_error, c->dropped_exit,
                    c->spool_written, c->spool_replayed, c->spool_corrupt,
                    c->cluster_maps, c->cluster_moved, c->cluster_asked,
                    c->redis_connects, c->redis_connect_failures,
                    c->redis_disconnects,
                    ngx_http_rum_value(c->workers_connected));

    for (i = 0; i < workers; i++) {
        p = ngx_sprintf(p, "%s%A", i ? "," : "",
                        ngx_http_rum_value(c->worker_connected[i]));
    }

    p = ngx_sprintf(p, "],\"servers\":[");
    p = ngx_http_rum_redis_status_json(p, last - 1024, servers);

    p = ngx_sprintf(p, "]},\"pages\":{\"injected\":%uA,\"profiled\":%uA,"
                    "\"skipped\":{", c->pages_injected, c->pages_profiled);

    for (i = 0; i < NGX_HTTP_RUM_SKIP_N; i++) {
        p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "",
                        ngx_http_rum_skip_names[i], c->pages_skipped[i]);
    }

    p = ngx_sprintf(p, "}},\"scripts\":{\"served\":%uA,"
                    "\"not_modified\":%uA}}" CRLF,
                    c->scripts_served, c->scripts_not_modified);

    return p;
}


#define ngx_http_rum_prom_head(p, name, type, help)                          \
    ngx_sprintf(p, "# HELP rum_" name " " help "\n"                          \
                   "# TYPE rum_" name " " type "\n")


static u_char *
ngx_http_rum_status_prometheus(u_char *p, u_char *last,
    ngx_http_rum_counters_t *c, ngx_uint_t workers, ngx_array_t *servers)
{
    ngx_uint_t  i;

    p = ngx_http_rum_prom_head(p, "beacons_accepted_total", "counter",
                               "Beacons queued for Redis.");
    p = ngx_sprintf(p, "rum_beacons_accepted_total %uA\n",
                    c->beacons_accepted);

    p = ngx_http_rum_prom_head(p, "beacons_rejected_total", "counter",
                               "Beacons refused, by reason.");

    for (i = 0; i < NGX_HTTP_RUM_REJECT_N; i++) {
        p = ngx_sprintf(p, "rum_beacons_rejected_total{reason=\"%s\"} %uA\n",
                        ngx_http_rum_reject_names[i],
                        c->beacons_rejected[i]);
    }

    p = ngx_http_rum_prom_head(p, "preflights_total", "counter",
                               "CORS preflight requests answered.");
    p = ngx_sprintf(p, "rum_preflights_total %uA\n", c->preflights);

    p = ngx_http_rum_prom_head(p, "queue_entries", "gauge",
                               "Entries Redis has not acknowledged yet.");
    p = ngx_sprintf(p, "rum_queue_entries %A\n",
                    ngx_http_rum_value(c->queued_entries));

    p = ngx_http_rum_prom_head(p, "queue_bytes", "gauge",
                               "Bytes of the entries in the queues.");
    p = ngx_sprintf(p, "rum_queue_bytes %A\n",
                    ngx_http_rum_value(c->queued_bytes));

    p = ngx_http_rum_prom_head(p, "redis_written_total", "counter",
                               "XADD commands written to Redis.");
    p = ngx_sprintf(p, "rum_redis_written_total %uA\n", c->written);

    p = ngx_http_rum_prom_head(p, "redis_acknowledged_total", "counter",
                               "XADD commands Redis answered with an id.");
    p = ngx_sprintf(p, "rum_redis_acknowledged_total %uA\n",
                    c->acknowledged);

    p = ngx_http_rum_prom_head(p, "redis_resent_total", "counter",
                               "XADD commands written again after "
                               "a reconnect.");
    p = ngx_sprintf(p, "rum_redis_resent_total %uA\n", c->resent);

    p = ngx_http_rum_prom_head(p, "redis_cluster_maps_total", "counter",
                               "Redis Cluster slot maps read.");
    p = ngx_sprintf(p, "rum_redis_cluster_maps_total %uA\n",
                    c->cluster_maps);

    p = ngx_http_rum_prom_head(p, "redis_cluster_redirects_total", "counter",
                               "Redis Cluster redirections followed.");
    p = ngx_sprintf(p, "rum_redis_cluster_redirects_total{kind=\"moved\"} "
                    "%uA\nrum_redis_cluster_redirects_total{kind=\"ask\"} "
                    "%uA\n", c->cluster_moved, c->cluster_asked);

    p = ngx_http_rum_prom_head(p, "dropped_total", "counter",
                               "Entries given up, by reason.");
    p = ngx_sprintf(p, "rum_dropped_total{reason=\"redis_error\"} %uA\n"
                    "rum_dropped_total{reason=\"exit\"} %uA\n",
                    c->dropped_redis_error, c->dropped_exit);

    p = ngx_http_rum_prom_head(p, "spool_entries_total", "counter",
                               "Entries exiting workers wrote to the "
                               "spool, and entries taken from it.");
    p = ngx_sprintf(p, "rum_spool_entries_total{op=\"written\"} %uA\n"
                    "rum_spool_entries_total{op=\"replayed\"} %uA\n",
                    c->spool_written, c->spool_replayed);

    p = ngx_http_rum_prom_head(p, "spool_corrupt_files_total", "counter",
                               "Spool files that did not check, set aside.");
    p = ngx_sprintf(p, "rum_spool_corrupt_files_total %uA\n",
                    c->spool_corrupt);

    p = ngx_http_rum_prom_head(p, "redis_connects_total", "counter",
                               "Connections established to Redis.");
    p = ngx_sprintf(p, "rum_redis_connects_total %uA\n", c->redis_connects);

    p = ngx_http_rum_prom_head(p, "redis_connect_failures_total", "counter",
                               "Connection attempts that failed.");
    p = ngx_sprintf(p, "rum_redis_connect_failures_total %uA\n",
                    c->redis_connect_failures);

    p = ngx_http_rum_prom_head(p, "redis_disconnects_total", "counter",
                               "Established connections lost.");
    p = ngx_sprintf(p, "rum_redis_disconnects_total %uA\n",
                    c->redis_disconnects);

    p = ngx_http_rum_prom_head(p, "redis_connected", "gauge",
                               "Whether each worker is connected to Redis.");

    for (i = 0; i < workers; i++) {
        p = ngx_sprintf(p, "rum_redis_connected{worker=\"%ui\"} %A\n",
                        i, ngx_http_rum_value(c->worker_connected[i]));
    }

    /* each server's share, labelled with its name */
    p = ngx_http_rum_redis_status_prometheus(p, last, servers);

    p = ngx_http_rum_prom_head(p, "pages_injected_total", "counter",
                               "HTML pages that got the loader.");
    p = ngx_sprintf(p, "rum_pages_injected_total %uA\n", c->pages_injected);

    p = ngx_http_rum_prom_head(p, "pages_profiled_total", "counter",
                               "Injected pages sampled for profiling.");
    p = ngx_sprintf(p, "rum_pages_profiled_total %uA\n", c->pages_profiled);

    p = ngx_http_rum_prom_head(p, "pages_skipped_total", "counter",
                               "Responses passed through, by reason.");

    for (i = 0; i < NGX_HTTP_RUM_SKIP_N; i++) {
        p = ngx_sprintf(p, "rum_pages_skipped_total{reason=\"%s\"} %uA\n",
                        ngx_http_rum_skip_names[i], c->pages_skipped[i]);
    }

    p = ngx_http_rum_prom_head(p, "scripts_served_total", "counter",
                               "Client scripts served, 304 included.");
    p = ngx_sprintf(p, "rum_scripts_served_total %uA\n", c->scripts_served);

    p = ngx_http_rum_prom_head(p, "scripts_not_modified_total", "counter",
                               "Client script requests answered 304.");
    p = ngx_sprintf(p, "rum_scripts_not_modified_total %uA\n",
                    c->scripts_not_modified);

    return p;
}
