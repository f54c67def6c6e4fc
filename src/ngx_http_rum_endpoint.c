
/*
 * ngx_http_rum_module: the endpoint location (rum_endpoint).
 *
 * GET and HEAD serve the embedded client, POST takes a beacon, parses and
 * validates it, and queues its stream entry for Redis, OPTIONS answers
 * CORS preflights.  Nothing here waits for Redis.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <zlib.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_beacon.h"
#include "ngx_http_rum_redis.h"
#include "ngx_http_rum_client.h"


/* XADD key MAXLEN ~ N * v 1 ts T id I kind K seq S ... payload P */
#define NGX_HTTP_RUM_XADD_FIXED    18
#define NGX_HTTP_RUM_ID_LEN        48


static ngx_int_t ngx_http_rum_script(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rum_preflight(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static void ngx_http_rum_beacon_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_rum_beacon(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rum_beacon_data(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_str_t *data);
static ngx_int_t ngx_http_rum_gunzip(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_str_t *data);
static ngx_int_t ngx_http_rum_entry(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_str_t *data,
    ngx_http_rum_beacon_t *b);
static ngx_uint_t ngx_http_rum_server_field(ngx_http_rum_loc_conf_t *rlcf,
    const u_char *name, size_t len);
static ngx_int_t ngx_http_rum_reject(ngx_http_request_t *r,
    ngx_http_rum_reject_e reason, ngx_int_t status);
static void *ngx_http_rum_pool_alloc(void *ctx, size_t size);
static ngx_int_t ngx_http_rum_request_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


typedef struct {
    off_t                         received;
} ngx_http_rum_body_ctx_t;


static ngx_http_request_body_filter_pt  ngx_http_rum_next_request_body_filter;


static ngx_str_t  ngx_http_rum_origin = ngx_string("Origin");
static ngx_str_t  ngx_http_rum_vary = ngx_string("Vary");
static ngx_str_t  ngx_http_rum_vary_origin = ngx_string("Origin");
static ngx_str_t  ngx_http_rum_vary_encoding =
    ngx_string("Accept-Encoding");
static ngx_str_t  ngx_http_rum_acao =
    ngx_string("Access-Control-Allow-Origin");
static ngx_str_t  ngx_http_rum_any = ngx_string("*");
static ngx_str_t  ngx_http_rum_acam =
    ngx_string("Access-Control-Allow-Methods");
static ngx_str_t  ngx_http_rum_methods = ngx_string("GET, HEAD, POST, OPTIONS");
static ngx_str_t  ngx_http_rum_acah =
    ngx_string("Access-Control-Allow-Headers");
static ngx_str_t  ngx_http_rum_headers =
    ngx_string("Content-Type, Content-Encoding");
static ngx_str_t  ngx_http_rum_acma = ngx_string("Access-Control-Max-Age");
static ngx_str_t  ngx_http_rum_max_age = ngx_string("86400");
static ngx_str_t  ngx_http_rum_allow = ngx_string("Allow");
static ngx_str_t  ngx_http_rum_retry_after = ngx_string("Retry-After");
static ngx_str_t  ngx_http_rum_retry_value = ngx_string("1");
static ngx_str_t  ngx_http_rum_cache_control = ngx_string("Cache-Control");
static ngx_str_t  ngx_http_rum_script_cache =
    ngx_string("public, max-age=3600, stale-while-revalidate=86400");
static ngx_str_t  ngx_http_rum_content_encoding =
    ngx_string("Content-Encoding");
static ngx_str_t  ngx_http_rum_gzip = ngx_string("gzip");
static ngx_str_t  ngx_http_rum_js_type =
    ngx_string("application/javascript; charset=utf-8");


static ngx_str_t  ngx_http_rum_etag_key = ngx_string("ETag");
static ngx_str_t  ngx_http_rum_etag = ngx_string(NGX_HTTP_RUM_CLIENT_ETAG);
static u_char     ngx_http_rum_etag_gz_data[sizeof(NGX_HTTP_RUM_CLIENT_ETAG)
                                            + 3];
static ngx_str_t  ngx_http_rum_etag_gz;

static ngx_atomic_uint_t  ngx_http_rum_id_seq;


ngx_int_t
ngx_http_rum_endpoint_handler(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_http_rum_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

    switch (r->method) {

    case NGX_HTTP_GET:
    case NGX_HTTP_HEAD:
        return ngx_http_rum_script(r, rlcf);

    case NGX_HTTP_POST:
        if (r->headers_in.content_length_n > (off_t) rlcf->max_body) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "rum: beacon of %O bytes is larger than "
                          "rum_max_body %uz",
                          r->headers_in.content_length_n, rlcf->max_body);

            return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_TOO_LARGE,
                                       NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
        }

        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r, ngx_http_rum_beacon_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
                ngx_http_rum_count(
                    beacons_rejected[NGX_HTTP_RUM_REJECT_TOO_LARGE]);
            }

            return rc;
        }

        return NGX_DONE;

    case NGX_HTTP_OPTIONS:
        return ngx_http_rum_preflight(r, rlcf);

    default:
        ngx_http_rum_count(beacons_rejected[NGX_HTTP_RUM_REJECT_METHOD]);

        if (ngx_http_rum_add_header(r, &ngx_http_rum_allow,
                                    &ngx_http_rum_methods)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_NOT_ALLOWED;
    }
}


static ngx_int_t
ngx_http_rum_script(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_uint_t    gzip;
    ngx_chain_t   out;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_rum_cors(r, rlcf) != NGX_OK) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ORIGIN,
                                   NGX_HTTP_FORBIDDEN);
    }

    gzip = 0;

#if (NGX_HTTP_GZIP)
    if (ngx_http_gzip_ok(r) == NGX_OK) {
        gzip = 1;
    }
#endif

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_rum_add_header(r, &ngx_http_rum_vary,
                                &ngx_http_rum_vary_encoding)
        == NULL
        || ngx_http_rum_add_header(r, &ngx_http_rum_cache_control,
                                   &ngx_http_rum_script_cache)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.etag = ngx_http_rum_add_header(r, &ngx_http_rum_etag_key,
                                                  &ngx_http_rum_etag);
    if (r->headers_out.etag == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (gzip) {
        if (ngx_http_rum_etag_gz.len == 0) {
            /* "hash" -> "hash.gz": each representation its own tag */
            ngx_http_rum_etag_gz.data = ngx_http_rum_etag_gz_data;
            ngx_http_rum_etag_gz.len = ngx_sprintf(ngx_http_rum_etag_gz_data,
                                                   "%*s.gz\"",
                                                   ngx_http_rum_etag.len - 1,
                                                   ngx_http_rum_etag.data)
                                       - ngx_http_rum_etag_gz_data;
        }

        r->headers_out.etag->value = ngx_http_rum_etag_gz;

        r->headers_out.content_encoding = ngx_http_rum_add_header(r,
                                             &ngx_http_rum_content_encoding,
                                             &ngx_http_rum_gzip);
        if (r->headers_out.content_encoding == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b->pos = (u_char *) ngx_http_rum_client_js_gz;
        b->last = b->pos + sizeof(ngx_http_rum_client_js_gz);

    } else {
        b->pos = (u_char *) ngx_http_rum_client_js;
        b->last = b->pos + sizeof(ngx_http_rum_client_js);
    }

    b->start = b->pos;
    b->end = b->last;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = ngx_http_rum_js_type;
    r->headers_out.content_type_len = ngx_http_rum_js_type.len;
    r->headers_out.content_length_n = b->last - b->pos;
    r->allow_ranges = 1;

    rc = ngx_http_send_header(r);

    ngx_http_rum_count(scripts_served);

    if (r->headers_out.status == NGX_HTTP_NOT_MODIFIED) {
        ngx_http_rum_count(scripts_not_modified);
    }

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_rum_preflight(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_rum_cors(r, rlcf) != NGX_OK) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ORIGIN,
                                   NGX_HTTP_FORBIDDEN);
    }

    if (ngx_http_rum_add_header(r, &ngx_http_rum_acam,
                                &ngx_http_rum_methods)
        == NULL
        || ngx_http_rum_add_header(r, &ngx_http_rum_acah,
                                   &ngx_http_rum_headers)
           == NULL
        || ngx_http_rum_add_header(r, &ngx_http_rum_acma,
                                   &ngx_http_rum_max_age)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_rum_count(preflights);

    r->headers_out.status = NGX_HTTP_NO_CONTENT;
    r->header_only = 1;

    return ngx_http_send_header(r);
}


static void
ngx_http_rum_beacon_body(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_http_rum_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

    rc = ngx_http_rum_beacon(r, rlcf);

    if (rc == NGX_OK) {
        ngx_http_rum_count(beacons_accepted);
        rc = NGX_HTTP_NO_CONTENT;
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_rum_beacon(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf)
{
    int                    rc;
    ngx_str_t              data;
    ngx_table_elt_t       *ce;
    ngx_http_rum_beacon_t  b;

    if (ngx_http_rum_cors(r, rlcf) != NGX_OK) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ORIGIN,
                                   NGX_HTTP_FORBIDDEN);
    }

    if (r->headers_in.content_length_n > (off_t) rlcf->max_body) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_TOO_LARGE,
                                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
    }

    ngx_str_null(&data);

    rc = ngx_http_rum_beacon_data(r, rlcf, &data);

    if (rc != NGX_OK) {
        return rc;
    }

    ce = ngx_http_rum_find_header(&r->headers_in.headers,
                                  &ngx_http_rum_content_encoding);

    if (ce && !(ce->value.len == 8
                && ngx_strncasecmp(ce->value.data, (u_char *) "identity", 8)
                   == 0))
    {
        if (ce->value.len != 4
            || ngx_strncasecmp(ce->value.data, (u_char *) "gzip", 4) != 0)
        {
            return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ENCODING,
                                       NGX_HTTP_UNSUPPORTED_MEDIA_TYPE);
        }

        rc = ngx_http_rum_gunzip(r, rlcf, &data);

        if (rc != NGX_OK) {
            return rc;
        }
    }

    rc = ngx_http_rum_beacon_parse(&b, rlcf->extract, data.data, data.len,
                                   ngx_http_rum_pool_alloc, r->pool);

    switch (rc) {

    case NGX_HTTP_RUM_BEACON_OK:
        return ngx_http_rum_entry(r, rlcf, &data, &b);

    case NGX_HTTP_RUM_BEACON_NOMEM:
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ERROR,
                                   NGX_HTTP_INTERNAL_SERVER_ERROR);

    default:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "rum: beacon rejected: %s at byte %uz",
                      ngx_http_rum_beacon_strerror(rc), b.error_offset);

        return ngx_http_rum_reject(r,
                          rc == NGX_HTTP_RUM_BEACON_NOT_OBJECT
                              ? NGX_HTTP_RUM_REJECT_NOT_OBJECT
                          : rc == NGX_HTTP_RUM_BEACON_TOO_DEEP
                              ? NGX_HTTP_RUM_REJECT_TOO_DEEP
                          : rc == NGX_HTTP_RUM_BEACON_TOO_LONG
                              ? NGX_HTTP_RUM_REJECT_TOO_LONG
                          : rc == NGX_HTTP_RUM_BEACON_UTF8
                              ? NGX_HTTP_RUM_REJECT_UTF8
                          : rc == NGX_HTTP_RUM_BEACON_FIELD
                              ? NGX_HTTP_RUM_REJECT_FIELD
                              : NGX_HTTP_RUM_REJECT_INVALID,
                          NGX_HTTP_BAD_REQUEST);
    }
}


/* the request body as one piece of memory */

static ngx_int_t
ngx_http_rum_beacon_data(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_str_t *data)
{
    u_char       *p;
    size_t        len;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_INVALID,
                                   NGX_HTTP_BAD_REQUEST);
    }

    if (r->request_body->temp_file) {
        /* only a body larger than client_body_buffer_size gets here */
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_TOO_LARGE,
                                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL) {
        data->data = cl->buf->pos;
        data->len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    len = 0;

    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_TOO_LARGE,
                                       NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
        }

        len += b->last - b->pos;
    }

    if (len > rlcf->max_body) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_TOO_LARGE,
                                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    data->data = p;
    data->len = len;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (cl->buf->last != cl->buf->pos) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }

    return NGX_OK;
}


/* a gzip body is inflated into at most rum_max_body bytes */

static ngx_int_t
ngx_http_rum_gunzip(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf,
    ngx_str_t *data)
{
    int        rc;
    u_char    *out;
    z_stream   zs;

    out = ngx_pnalloc(r->pool, rlcf->max_body);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&zs, sizeof(z_stream));

    /* 16 + MAX_WBITS: gzip only */

    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    zs.next_in = data->data;
    zs.avail_in = data->len;
    zs.next_out = out;
    zs.avail_out = rlcf->max_body;

    rc = inflate(&zs, Z_FINISH);

    inflateEnd(&zs);

    if (rc == Z_STREAM_END && zs.avail_in == 0) {
        data->data = out;
        data->len = zs.next_out - out;
        return NGX_OK;
    }

    if (zs.avail_out == 0 && (rc == Z_BUF_ERROR || rc == Z_OK)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "rum: gzip beacon inflates beyond rum_max_body %uz",
                      rlcf->max_body);

        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_TOO_LARGE,
                                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "rum: invalid gzip beacon: %d", rc);

    return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ENCODING,
                               NGX_HTTP_BAD_REQUEST);
}


static ngx_int_t
ngx_http_rum_shard(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf,
    ngx_http_rum_beacon_t *b, ngx_str_t *key);


static ngx_int_t
ngx_http_rum_entry(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf,
    ngx_str_t *data, ngx_http_rum_beacon_t *b)
{
    u_char                *p;
    size_t                *argvlen;
    ngx_int_t              rc;
    ngx_str_t              key, value;
    ngx_uint_t             i, n, argc;
    ngx_time_t            *tp;
    const char           **argv;
    ngx_http_rum_field_t  *field;

    n = NGX_HTTP_RUM_XADD_FIXED + 2 * b->nfields
        + (rlcf->fields ? 2 * rlcf->fields->nelts : 0);

    argv = ngx_palloc(r->pool, n * sizeof(char *));
    argvlen = ngx_palloc(r->pool, n * sizeof(size_t));
    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN + NGX_TIME_T_LEN + 4
                             + NGX_HTTP_RUM_ID_LEN);

    if (argv == NULL || argvlen == NULL || p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_complex_value(r, rlcf->stream, &key) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (key.len == 0) {
        /* request data can empty the key: not worth an error line */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "rum: rum_stream evaluated to an empty key");
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ERROR,
                                   NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    argc = 0;

#define ngx_http_rum_arg(s, l)                                               \
    argv[argc] = (const char *) (s); argvlen[argc++] = (l)

    if (rlcf->shards) {
        if (ngx_http_rum_shard(r, rlcf, b, &key) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_http_rum_arg("XADD", 4);
    ngx_http_rum_arg(key.data, key.len);

    if (rlcf->maxlen) {
        ngx_http_rum_arg("MAXLEN", 6);
        ngx_http_rum_arg("~", 1);
        ngx_http_rum_arg(p, ngx_sprintf(p, "%ui", rlcf->maxlen) - p);
        p += argvlen[argc - 1];
    }

    ngx_http_rum_arg("*", 1);
    ngx_http_rum_arg("v", 1);
    ngx_http_rum_arg("1", 1);

    tp = ngx_timeofday();

    ngx_http_rum_arg("ts", 2);
    ngx_http_rum_arg(p, ngx_sprintf(p, "%T%03M", tp->sec, tp->msec) - p);
    p += argvlen[argc - 1];

    ngx_http_rum_arg("id", 2);

    if (b->id) {
        ngx_http_rum_arg(b->id, b->id_len);

    } else {
        /* unique per server: time, worker pid, sequence, random */
        ngx_http_rum_arg(p, ngx_sprintf(p, "n-%xT%03xM-%xP-%xA-%08xD",
                                        tp->sec, tp->msec, ngx_pid,
                                        ++ngx_http_rum_id_seq,
                                        (uint32_t) ngx_random())
                            - p);
    }

    ngx_http_rum_arg("kind", 4);

    if (b->kind) {
        ngx_http_rum_arg(b->kind, b->kind_len);

    } else {
        ngx_http_rum_arg("sample", 6);
    }

    if (b->seq) {
        ngx_http_rum_arg("seq", 3);
        ngx_http_rum_arg(b->seq, b->seq_len);
    }

    for (i = 0; i < b->nfields; i++) {
        if (ngx_http_rum_server_field(rlcf, b->fields[i].name,
                                      b->fields[i].name_len))
        {
            /* a payload may not speak for the server: not copied */
            continue;
        }

        ngx_http_rum_arg(b->fields[i].name, b->fields[i].name_len);
        ngx_http_rum_arg(b->fields[i].value, b->fields[i].value_len);
    }

    if (rlcf->fields) {
        field = rlcf->fields->elts;

        for (i = 0; i < rlcf->fields->nelts; i++) {
            if (ngx_http_complex_value(r, &field[i].value, &value) != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            ngx_http_rum_arg(field[i].name.data, field[i].name.len);
            ngx_http_rum_arg(value.data, value.len);
        }
    }

    ngx_http_rum_arg("payload", 7);
    ngx_http_rum_arg(data->data, data->len);

#undef ngx_http_rum_arg

    rc = ngx_http_rum_redis_xadd(rlcf->redis, argc, argv, argvlen,
                                 r->connection->log);

    if (rc == NGX_BUSY) {
        if (ngx_http_rum_add_header(r, &ngx_http_rum_retry_after,
                                    &ngx_http_rum_retry_value)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_QUEUE_FULL,
                                   NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (rc != NGX_OK) {
        return ngx_http_rum_reject(r, NGX_HTTP_RUM_REJECT_ERROR,
                                   NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    return NGX_OK;
}


/*
 * rum_stream KEY shards=N: the entry goes to "KEY:{S}", S from the session
 * (the entry's "session" field, session.id by default), so that a session
 * stays in order in one shard; a beacon without one goes by its id.  The
 * braces are a Redis Cluster hash tag: the shards spread over the slots.
 */

static ngx_int_t
ngx_http_rum_shard(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf,
    ngx_http_rum_beacon_t *b, ngx_str_t *key)
{
    u_char      *p, *by;
    size_t       len;
    ngx_uint_t   i;

    by = NULL;
    len = 0;

    for (i = 0; i < b->nfields; i++) {
        if (b->fields[i].name_len == sizeof("session") - 1
            && ngx_strncmp(b->fields[i].name, "session",
                           sizeof("session") - 1) == 0)
        {
            by = (u_char *) b->fields[i].value;
            len = b->fields[i].value_len;
            break;
        }
    }

    if (by == NULL && b->id) {
        by = (u_char *) b->id;
        len = b->id_len;
    }

    p = ngx_pnalloc(r->pool, key->len + sizeof(":{}") - 1 + NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    key->len = ngx_sprintf(p, "%V:{%ui}", key,
                           by ? ngx_crc32_long(by, len) % rlcf->shards
                              : (ngx_uint_t) ngx_random() % rlcf->shards)
               - p;
    key->data = p;

    return NGX_OK;
}


/* whether name is one of the fields rum_field fills from nginx */

static ngx_uint_t
ngx_http_rum_server_field(ngx_http_rum_loc_conf_t *rlcf, const u_char *name,
    size_t len)
{
    ngx_uint_t             i;
    ngx_http_rum_field_t  *field;

    if (rlcf->fields == NULL) {
        return 0;
    }

    field = rlcf->fields->elts;

    for (i = 0; i < rlcf->fields->nelts; i++) {
        if (field[i].name.len == len
            && ngx_strncmp(field[i].name.data, name, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_rum_reject(ngx_http_request_t *r, ngx_http_rum_reject_e reason,
    ngx_int_t status)
{
    ngx_http_rum_count(beacons_rejected[reason]);

    return status;
}


ngx_int_t
ngx_http_rum_cors(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf)
{
    ngx_str_t         *allowed;
    ngx_uint_t         i;
    ngx_table_elt_t   *origin;

    if (rlcf->cors_origins == NULL || rlcf->cors_any) {
        return ngx_http_rum_add_header(r, &ngx_http_rum_acao,
                                       &ngx_http_rum_any)
               ? NGX_OK : NGX_ERROR;
    }

    /* the answer depends on Origin, caches must know */

    if (ngx_http_rum_add_header(r, &ngx_http_rum_vary,
                                &ngx_http_rum_vary_origin)
        == NULL)
    {
        return NGX_ERROR;
    }

    origin = ngx_http_rum_find_header(&r->headers_in.headers,
                                      &ngx_http_rum_origin);

    if (origin == NULL) {
        /* a same-origin or a no-cors request */
        return NGX_OK;
    }

    allowed = rlcf->cors_origins->elts;

    for (i = 0; i < rlcf->cors_origins->nelts; i++) {
        if (allowed[i].len == origin->value.len
            && ngx_strncasecmp(allowed[i].data, origin->value.data,
                               origin->value.len)
               == 0)
        {
            return ngx_http_rum_add_header(r, &ngx_http_rum_acao,
                                           &origin->value)
                   ? NGX_OK : NGX_ERROR;
        }
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "rum: origin \"%V\" is not in rum_cors_origins",
                  &origin->value);

    return NGX_DECLINED;
}


ngx_table_elt_t *
ngx_http_rum_add_header(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key = *key;
    h->value = *value;
    h->lowcase_key = NULL;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


ngx_table_elt_t *
ngx_http_rum_find_header(ngx_list_t *headers, ngx_str_t *name)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &headers->part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        /* a response header taken back by a filter has hash 0 */

        if (h[i].hash != 0 && h[i].key.len == name->len
            && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
        {
            return &h[i];
        }
    }
}


/*
 * rum_max_body for bodies of unknown length (chunked): counted as they
 * arrive, refused before they could reach a temporary file
 */

ngx_int_t
ngx_http_rum_endpoint_init(ngx_conf_t *cf)
{
    ngx_http_rum_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_rum_request_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rum_request_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t              *cl;
    ngx_http_rum_body_ctx_t  *ctx;
    ngx_http_rum_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

    /*
     * a known length was checked before reading; a chunked body has none
     * (nginx counts what it parsed in content_length_n as it goes)
     */

    if (!rlcf->endpoint
        || (!r->headers_in.chunked && r->headers_in.content_length_n >= 0))
    {
        return ngx_http_rum_next_request_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_rum_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_rum_body_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_rum_module);
    }

    for (cl = in; cl; cl = cl->next) {
        ctx->received += ngx_buf_size(cl->buf);
    }

    if (ctx->received > (off_t) rlcf->max_body) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "rum: beacon body larger than rum_max_body %uz",
                      rlcf->max_body);

        r->lingering_close = 1;

        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    return ngx_http_rum_next_request_body_filter(r, in);
}


static void *
ngx_http_rum_pool_alloc(void *ctx, size_t size)
{
    return ngx_palloc(ctx, size);
}


char *
ngx_http_rum_extract_compile(ngx_conf_t *cf, ngx_http_rum_loc_conf_t *rlcf)
{
    size_t                        *name_lens, *path_lens;
    ngx_uint_t                     i, n;
    const char                    *err;
    const u_char                 **names, **paths;
    ngx_http_rum_extract_conf_t   *ex;

    n = rlcf->extract_conf ? rlcf->extract_conf->nelts : 0;

    names = ngx_palloc(cf->pool, (n + 1) * sizeof(u_char *));
    paths = ngx_palloc(cf->pool, (n + 1) * sizeof(u_char *));
    name_lens = ngx_palloc(cf->pool, (n + 1) * sizeof(size_t));
    path_lens = ngx_palloc(cf->pool, (n + 1) * sizeof(size_t));

    if (names == NULL || paths == NULL || name_lens == NULL
        || path_lens == NULL)
    {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        ex = &((ngx_http_rum_extract_conf_t *) rlcf->extract_conf->elts)[i];

        names[i] = ex->name.data;
        name_lens[i] = ex->name.len;
        paths[i] = ex->path.data;
        path_lens[i] = ex->path.len;
    }

    err = NULL;

    rlcf->extract = ngx_http_rum_extract_create(names, name_lens, paths,
                                                path_lens, n,
                                                ngx_http_rum_pool_alloc,
                                                cf->pool, &err);
    if (rlcf->extract == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid \"rum_extract\": %s",
                           err ? err : "out of memory");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
