
/*
 * ngx_http_rum_filter_module: injects the loader snippet into HTML.
 *
 * The header filter decides once per response (subrequest, status, type,
 * HEAD, Range, encoding, no-transform, rum on/off/$variable); the body
 * filter then streams the page: it finds "</head" with the incremental
 * finder of ngx_http_rum_head.c, splits the buffer there without copying
 * it (a new buf pointing into the same memory before, the snippet as its
 * own buf, then the rest), holds back only the few bytes of a "</head"
 * split across buffers, and passes everything after the injection point
 * straight through (unless rum_crossorigin asks it to keep reading script
 * tags).
 *
 * The snippet is built in the header filter, which runs after add_header
 * (see config).  A page that came with a Content-Length keeps an exact
 * one: its header waits until the search settles (the snippet went in,
 * the page ended, or the search limit passed), and so do the headers that
 * go with the snippet (Document-Policy, a weak ETag, no Accept-Ranges).
 * Usually the first buffer settles it; when it does not, what would go
 * out is copied aside and the upstream's buffers are released
 * (ngx_http_rum_defer()).  A page without a Content-Length is not held.
 *
 * A precontent handler takes Accept-Encoding out of what goes to an
 * upstream for a browser's page view, so that an upstream that compresses
 * sends the page in clear; nginx's gzip filter, which comes after this
 * one, compresses it again for the client when the client accepts it, and
 * nginx's own handlers (gzip_static) see the request as it came.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_head.h"
#include "ngx_http_rum_snippet.h"


/* how far to look for "</head" or "<body" before giving up */
#define NGX_HTTP_RUM_SEARCH_LIMIT  (256 * 1024)

/*
 * the share of pages profiled without rum_config profilingSampleRate, in
 * hundredths of a percent
 */
#define NGX_HTTP_RUM_PROFILING_RATE  1000

/* the links and bufs of ours that come with the context */
#define NGX_HTTP_RUM_LINKS         2


typedef struct {
    ngx_http_rum_head_t        head;
    ngx_str_t                  snippet;
    off_t                      scanned;
    off_t                      length_n;      /* the upstream's, or -1 */

    u_char                     held[NGX_HTTP_RUM_HEAD_MAX_HOLD];
    size_t                     held_len;

    off_t                      added;         /* bytes inserted */

    /* the header waits for the first buffer */
    unsigned                   header:1;

    /* the snippet went in */
    unsigned                   injected:1;

    /* the page is profiled: Document-Policy goes with the snippet */
    unsigned                   policy:1;

    /*
     * bufs of ours are kept until sent, to be used again or to release
     * the buffer they shadow; without holds, shadows or crossorigin, the
     * only ones are the two of the injection, left to the pool
     */
    unsigned                   track:1;

    /* links of ours to bufs of others in out, freed once it went on */
    unsigned                   linked:1;

    u_char                     length[NGX_OFF_T_LEN];

    /* the weakened ETag when it is short, as most are */
    u_char                     etag[48];

    ngx_chain_t               *out;
    ngx_chain_t              **last_out;
    ngx_chain_t               *foreign;       /* the caller's links in out */
    ngx_buf_t                 *last;          /* the last buf in out */
    ngx_chain_t               *busy;
    ngx_chain_t               *free;

    /* the page so far, while its header waits for the search */
    ngx_chain_t               *deferred;
    ngx_chain_t              **last_deferred;
    size_t                     deferred_size;

    /* the first free links: the part before the snippet, and the snippet */
    ngx_chain_t                links[NGX_HTTP_RUM_LINKS];
    ngx_buf_t                  bufs[NGX_HTTP_RUM_LINKS];

    /*
     * and the links nginx's write filter takes from the pool for them,
     * given to the pool with the context, so that they cost no allocation
     */
    ngx_chain_t                spare[NGX_HTTP_RUM_LINKS];
} ngx_http_rum_ctx_t;


static ngx_int_t ngx_http_rum_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_rum_decide(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_uint_t *csp);
static ngx_int_t ngx_http_rum_variable_on(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_uint_t ngx_http_rum_privacy_signal(ngx_http_request_t *r);
static ngx_int_t ngx_http_rum_profiling(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rum_document_policy(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rum_script_cors(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rum_send_header(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx);
static void ngx_http_rum_content_length(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx);
static void ngx_http_rum_weak_etag(ngx_http_request_t *r, u_char *buf,
    size_t size);

static ngx_int_t ngx_http_rum_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_rum_body_buf(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, ngx_buf_t *b);
static ngx_int_t ngx_http_rum_event(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, ngx_int_t rc);
static ngx_int_t ngx_http_rum_defer(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, ngx_uint_t flush);
static ngx_int_t ngx_http_rum_emit_piece(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, ngx_buf_t *b, u_char *pos, u_char *last,
    ngx_buf_t **piece);
static ngx_int_t ngx_http_rum_emit_memory(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, u_char *data, size_t len, ngx_uint_t copy);
static ngx_int_t ngx_http_rum_emit_held(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, size_t n);
static ngx_int_t ngx_http_rum_emit_link(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, ngx_buf_t *b);
static void ngx_http_rum_update_busy(ngx_http_request_t *r,
    ngx_http_rum_ctx_t *ctx, ngx_chain_t *out);

static ngx_int_t ngx_http_rum_precontent_handler(ngx_http_request_t *r);

static void *ngx_http_rum_filter_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_rum_filter_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


static ngx_http_module_t  ngx_http_rum_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_rum_filter_init,              /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_rum_filter_create_loc_conf,   /* create location configuration */
    ngx_http_rum_filter_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_rum_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_rum_filter_module_ctx,       /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;

static ngx_uint_t  ngx_http_rum_compressed_warned;

static ngx_str_t  ngx_http_rum_document_policy_key =
    ngx_string("Document-Policy");
static ngx_str_t  ngx_http_rum_acao_key =
    ngx_string("Access-Control-Allow-Origin");
static ngx_str_t  ngx_http_rum_accept_key = ngx_string("Accept");

static u_char  ngx_http_rum_crossorigin_attr[] = " crossorigin=\"anonymous\"";


static ngx_int_t
ngx_http_rum_header_filter(ngx_http_request_t *r)
{
    u_char                   *src;
    ngx_str_t                 nonce, snippet;
    ngx_int_t                 profiling;
    ngx_uint_t                i, inline_ok, csp;
    ngx_http_rum_ctx_t       *ctx;
    ngx_http_rum_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

    if (rlcf->cors_origins != NULL && !rlcf->endpoint) {
        if (ngx_http_rum_script_cors(r, rlcf) == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    if (rlcf->rum == NGX_HTTP_RUM_OFF
        || ngx_http_rum_decide(r, rlcf, &csp) != NGX_OK)
    {
        return ngx_http_next_header_filter(r);
    }

    profiling = ngx_http_rum_profiling(r, rlcf);

    /* the headers are complete now, add_header's included */

    if (csp) {
        ngx_http_rum_csp(r, &nonce, &inline_ok);

    } else {
        ngx_str_null(&nonce);
        inline_ok = 1;
    }

    if (ngx_http_rum_snippet(r, rlcf, &nonce, inline_ok, profiling, &snippet)
        != NGX_OK)
    {
        ngx_http_rum_count(pages_skipped[NGX_HTTP_RUM_SKIP_ERROR]);
        return ngx_http_next_header_filter(r);
    }

    /* one allocation, not zeroed: the fields that are read are set here */

    ctx = ngx_palloc(r->pool, sizeof(ngx_http_rum_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->scanned = 0;
    ctx->added = 0;
    ctx->held_len = 0;
    ctx->busy = NULL;
    ctx->free = &ctx->links[0];
    ctx->linked = 0;
    ctx->injected = 0;
    ctx->deferred = NULL;
    ctx->last_deferred = &ctx->deferred;
    ctx->deferred_size = 0;

    for (i = 0; i < NGX_HTTP_RUM_LINKS; i++) {
        /* a buf is set whole when it is used (ngx_chain_get_free_buf) */
        ctx->links[i].buf = &ctx->bufs[i];
        ctx->links[i].next = (i + 1 < NGX_HTTP_RUM_LINKS) ? &ctx->links[i + 1]
                                                          : NULL;

        ngx_free_chain(r->pool, &ctx->spare[i]);
    }

    if (rlcf->crossorigin) {
        src = ngx_pnalloc(r->pool, NGX_HTTP_RUM_HEAD_HOST_LEN);
        if (src == NULL) {
            return NGX_ERROR;
        }

        ngx_http_rum_head_init(&ctx->head, NGX_HTTP_RUM_HEAD_FIND_HEAD
                                           |NGX_HTTP_RUM_HEAD_FIND_SCRIPT,
                               src);
        ctx->track = 1;

    } else {
        ngx_http_rum_head_init(&ctx->head, NGX_HTTP_RUM_HEAD_FIND_HEAD, NULL);
        ctx->track = 0;
    }

    ctx->policy = (profiling == 1 && rlcf->document_policy.len);
    ctx->snippet = snippet;
    ctx->length_n = r->headers_out.content_length_n;
    ctx->header = 1;

    ngx_http_set_ctx(r, ctx, ngx_http_rum_filter_module);

    r->filter_need_in_memory = 1;

    /*
     * The header waits only for what needs it: a Content-Length to keep
     * exact.  Whatever a module does after ngx_http_send_header() may
     * depend on the filters after this one having seen the header (the
     * charset filter's charset decides how autoindex cuts long names).
     * Nor does it wait when the request body is in a file: an upstream
     * closes it as soon as the header is sent, unless a filter after this
     * one (SSI) asks in its header filter to preserve it.
     */

    if (ctx->length_n < 0
        || (r->request_body && r->request_body->temp_file))
    {
        return ngx_http_rum_send_header(r, ctx);
    }

    /* sent with the first buffer of the body */
    return NGX_OK;
}


/*
 * NGX_OK: inject into this response, and *csp tells whether it has a
 * Content-Security-Policy; otherwise the skip is counted
 */

static ngx_int_t
ngx_http_rum_decide(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf,
    ngx_uint_t *csp)
{
    u_char               *p;
    ngx_uint_t            i;
    ngx_list_part_t      *part;
    ngx_table_elt_t      *h;
    ngx_http_rum_skip_e   reason;

    if (r != r->main) {
        reason = NGX_HTTP_RUM_SKIP_SUBREQUEST;
        goto skip;
    }

    if (r->headers_out.status != NGX_HTTP_OK) {
        reason = NGX_HTTP_RUM_SKIP_STATUS;
        goto skip;
    }

    /*
     * text/html is always one of rum_types (ngx_http_types_slot adds the
     * default): compared here, it spares the lowercase copy and the hash
     */

    p = r->headers_out.content_type.data;

    if (!(r->headers_out.content_type_len == sizeof("text/html") - 1
          && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'e'
          && (p[2] | 0x20) == 'x' && (p[3] | 0x20) == 't' && p[4] == '/'
          && (p[5] | 0x20) == 'h' && (p[6] | 0x20) == 't'
          && (p[7] | 0x20) == 'm' && (p[8] | 0x20) == 'l')
        && ngx_http_test_content_type(r, &rlcf->types) == NULL)
    {
        reason = NGX_HTTP_RUM_SKIP_TYPE;
        goto skip;
    }

    if (r->header_only || r->method == NGX_HTTP_HEAD) {
        /*
         * no body, so no place for the snippet: the headers a GET would
         * get as far as they are known without the page (the length stays
         * the page's own), and a weak ETag, as the GET's may change
         */
        ngx_http_rum_weak_etag(r, NULL, 0);
        reason = NGX_HTTP_RUM_SKIP_HEAD;
        goto skip;
    }

    if (r->headers_in.range) {
        /* a part of a page is no page view: nginx's ranges as they are */
        reason = NGX_HTTP_RUM_SKIP_RANGE;
        goto skip;
    }

    if (rlcf->privacy_signals && ngx_http_rum_privacy_signal(r)) {
        reason = NGX_HTTP_RUM_SKIP_PRIVACY;
        goto skip;
    }

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->value.len
        && !(r->headers_out.content_encoding->value.len == 8
             && ngx_strncasecmp(r->headers_out.content_encoding->value.data,
                                (u_char *) "identity", 8)
                == 0))
    {
        if (r->upstream && !ngx_http_rum_compressed_warned) {
            ngx_http_rum_compressed_warned = 1;

            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "rum: a page came with \"Content-Encoding: %V\" "
                          "and is passed on without the snippet; ask the "
                          "upstream for it in clear, e.g. with "
                          "\"proxy_set_header Accept-Encoding \"\";\" "
                          "(logged once per worker)",
                          &r->headers_out.content_encoding->value);
        }

        reason = NGX_HTTP_RUM_SKIP_COMPRESSED;
        goto skip;
    }

    *csp = 0;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0 || (h[i].key.data[0] | 0x20) != 'c') {
            continue;
        }

        if (h[i].key.len == sizeof("Content-Security-Policy") - 1
            || h[i].key.len == sizeof("Content-Security-Policy-Report-Only")
                               - 1)
        {
            *csp = 1;
            continue;
        }

        if (h[i].key.len != sizeof("Cache-Control") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Cache-Control",
                               sizeof("Cache-Control") - 1)
               != 0)
        {
            continue;
        }

        if (ngx_strlcasestrn(h[i].value.data,
                             h[i].value.data + h[i].value.len,
                             (u_char *) "no-transform",
                             sizeof("no-transform") - 2)
            != NULL)
        {
            reason = NGX_HTTP_RUM_SKIP_NO_TRANSFORM;
            goto skip;
        }
    }

    if (rlcf->rum == NGX_HTTP_RUM_VARIABLE) {
        switch (ngx_http_rum_variable_on(r, rlcf)) {

        case NGX_ERROR:
            reason = NGX_HTTP_RUM_SKIP_ERROR;
            goto skip;

        case NGX_DECLINED:
            reason = NGX_HTTP_RUM_SKIP_OFF;
            goto skip;
        }
    }

    return NGX_OK;

skip:

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "rum skip: reason %d", (int) reason);

    ngx_http_rum_count(pages_skipped[reason]);

    return NGX_DECLINED;
}


/*
 * The visitor asks not to be tracked: Global Privacy Control ("Sec-GPC:
 * 1") or Do Not Track ("DNT: 1")
 */

static ngx_uint_t
ngx_http_rum_privacy_signal(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].value.len != 1 || h[i].value.data[0] != '1') {
            continue;
        }

        if ((h[i].key.len == sizeof("Sec-GPC") - 1
             && ngx_strncasecmp(h[i].key.data, (u_char *) "Sec-GPC",
                                sizeof("Sec-GPC") - 1) == 0)
            || (h[i].key.len == sizeof("DNT") - 1
                && ngx_strncasecmp(h[i].key.data, (u_char *) "DNT",
                                   sizeof("DNT") - 1) == 0))
        {
            return 1;
        }
    }
}


/*
 * rum $variable: NGX_OK when on, NGX_DECLINED when off (empty, "0" or
 * "off"), NGX_ERROR when it cannot be evaluated
 */

static ngx_int_t
ngx_http_rum_variable_on(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf)
{
    ngx_str_t  value;

    if (ngx_http_complex_value(r, rlcf->rum_value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0
        || (value.len == 1 && value.data[0] == '0')
        || (value.len == 3
            && ngx_strncasecmp(value.data, (u_char *) "off", 3) == 0))
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * The server-side profiling sample, drawn for each page, as the loader
 * tells it: 1 for a page to profile, 0 for the others; the rate is
 * rum_config profilingSampleRate, a percentage.  Without one the rate is
 * NGX_HTTP_RUM_PROFILING_RATE and a page not drawn is NGX_CONF_UNSET: the
 * client's own rate is 0, so the loader needs no word (and is the one
 * rendered at configuration time).
 */

static ngx_int_t
ngx_http_rum_profiling(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf)
{
    u_char      *p, *last;
    ngx_str_t    value;
    ngx_uint_t   rate, frac, digits;

    if (rlcf->profiling_rate == NULL) {
        return ((ngx_uint_t) ngx_random() % 10000
                < NGX_HTTP_RUM_PROFILING_RATE) ? 1 : NGX_CONF_UNSET;
    }

    if (ngx_http_complex_value(r, &rlcf->profiling_rate->value, &value)
        != NGX_OK)
    {
        return 0;
    }

    /* hundredths of a percent: "12.5" is 1250 of 10000 */

    rate = 0;
    frac = 0;
    digits = 0;
    p = value.data;
    last = p + value.len;

    for ( /* void */ ; p < last && *p >= '0' && *p <= '9'; p++) {
        rate = rate * 10 + (*p - '0');

        if (rate > 100) {
            return 1;
        }
    }

    if (p < last && *p == '.') {
        for (p++; p < last && *p >= '0' && *p <= '9'; p++) {
            if (digits < 2) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
        }
    }

    if (p != last || value.len == 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "rum: invalid profilingSampleRate \"%V\"", &value);
        return 0;
    }

    while (digits++ < 2) {
        frac *= 10;
    }

    rate = rate * 100 + frac;

    return ((ngx_uint_t) ngx_random() % 10000 < rate) ? 1 : 0;
}


static ngx_int_t
ngx_http_rum_document_policy(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf)
{
    u_char           *p;
    size_t            len;
    ngx_table_elt_t  *h;

    h = ngx_http_rum_find_header(&r->headers_out.headers,
                                 &ngx_http_rum_document_policy_key);

    if (h == NULL || h->value.len == 0) {
        if (h) {
            h->value = rlcf->document_policy;
            return NGX_OK;
        }

        return ngx_http_rum_add_header(r, &ngx_http_rum_document_policy_key,
                                       &rlcf->document_policy)
               ? NGX_OK : NGX_ERROR;
    }

    if (ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                         rlcf->document_policy.data,
                         rlcf->document_policy.len - 1)
        != NULL)
    {
        return NGX_OK;
    }

    len = h->value.len + 2 + rlcf->document_policy.len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_cpymem(p, h->value.data, h->value.len);
    *h->value.data++ = ',';
    *h->value.data++ = ' ';
    ngx_memcpy(h->value.data, rlcf->document_policy.data,
               rlcf->document_policy.len);

    h->value.data = p;
    h->value.len = len;

    return NGX_OK;
}


/*
 * The header that waited for the first buffer of the body.  When nothing
 * more can be inserted, the Content-Length counts what was; otherwise it
 * is cleared (chunked).  A page that got the snippet, or may still get it,
 * gets what goes with it: the Document-Policy of a profiled page, a weak
 * ETag, no Accept-Ranges; a page that settled without it keeps its own.
 */

static ngx_int_t
ngx_http_rum_send_header(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx)
{
    ngx_uint_t                pending;
    ngx_http_rum_loc_conf_t  *rlcf;

    ctx->header = 0;

    pending = ctx->head.flags & NGX_HTTP_RUM_HEAD_FIND_HEAD;

    if (ctx->head.flags) {
        ngx_http_clear_content_length(r);

    } else if (ctx->added && ctx->length_n >= 0) {
        r->headers_out.content_length_n += ctx->added;

        if (r->headers_out.content_length) {
            ngx_http_rum_content_length(r, ctx);
        }
    }

    if (pending || ctx->injected) {
        ngx_http_clear_accept_ranges(r);
        ngx_http_rum_weak_etag(r, ctx->etag, sizeof(ctx->etag));

        if (ctx->policy) {
            rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

            if (ngx_http_rum_document_policy(r, rlcf) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    if (ngx_http_next_header_filter(r) == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The upstream's Content-Length header gets the new length written into
 * it, in the context's memory (nginx's header filter would print
 * content_length_n with sprintf)
 */

static void
ngx_http_rum_content_length(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx)
{
    u_char     *p, *e;
    off_t       n;
    ngx_str_t  *value;

    n = r->headers_out.content_length_n;
    e = ctx->length + NGX_OFF_T_LEN;
    p = e;

    do {
        *--p = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    value = &r->headers_out.content_length->value;
    value->data = p;
    value->len = e - p;
}


/*
 * ngx_http_weak_etag() without its sprintf, written into buf when it fits
 * (the context's memory), else into the pool
 */

static void
ngx_http_rum_weak_etag(ngx_http_request_t *r, u_char *buf, size_t size)
{
    u_char           *p;
    ngx_table_elt_t  *etag;

    etag = r->headers_out.etag;

    if (etag == NULL) {
        return;
    }

    if (etag->value.len > 2
        && etag->value.data[0] == 'W'
        && etag->value.data[1] == '/')
    {
        return;
    }

    if (etag->value.len < 1 || etag->value.data[0] != '"') {
        etag->hash = 0;
        r->headers_out.etag = NULL;
        return;
    }

    if (etag->value.len + 2 <= size) {
        p = buf;

    } else {
        p = ngx_pnalloc(r->pool, etag->value.len + 2);
    }

    if (p == NULL) {
        etag->hash = 0;
        r->headers_out.etag = NULL;
        return;
    }

    p[0] = 'W';
    p[1] = '/';
    ngx_memcpy(p + 2, etag->value.data, etag->value.len);

    etag->value.data = p;
    etag->value.len += 2;
}


/* Access-Control-Allow-Origin on scripts, for the profiler's attribution */

static ngx_int_t
ngx_http_rum_script_cors(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf)
{
    size_t       len;
    ngx_str_t   *type;
    ngx_uint_t   status;

    status = r->headers_out.status;

    if (r != r->main
        || (status != NGX_HTTP_OK && status != NGX_HTTP_PARTIAL_CONTENT
            && status != NGX_HTTP_NOT_MODIFIED))
    {
        return NGX_OK;
    }

    type = &r->headers_out.content_type;
    len = r->headers_out.content_type_len ? r->headers_out.content_type_len
                                          : type->len;

    if (!((len == sizeof("application/javascript") - 1
           && ngx_strncasecmp(type->data, (u_char *) "application/javascript",
                              len) == 0)
          || (len == sizeof("text/javascript") - 1
              && ngx_strncasecmp(type->data, (u_char *) "text/javascript",
                                 len) == 0)
          || (len == sizeof("application/x-javascript") - 1
              && ngx_strncasecmp(type->data,
                                 (u_char *) "application/x-javascript", len)
                 == 0)))
    {
        return NGX_OK;
    }

    if (ngx_http_rum_find_header(&r->headers_out.headers,
                                 &ngx_http_rum_acao_key))
    {
        return NGX_OK;
    }

    return (ngx_http_rum_cors(r, rlcf) == NGX_ERROR) ? NGX_ERROR : NGX_OK;
}


static ngx_int_t
ngx_http_rum_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t            rc;
    ngx_chain_t         *cl, *out;
    ngx_http_rum_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_rum_filter_module);

    if (ctx == NULL || (ctx->head.flags == 0 && ctx->busy == NULL)) {
        return ngx_http_next_body_filter(r, in);
    }

    if (ctx->head.flags == 0) {
        /* done; only buffers of ours still wait to be sent */
        rc = ngx_http_next_body_filter(r, in);
        ngx_http_rum_update_busy(r, ctx, NULL);
        return rc;
    }

    if (in == NULL && ctx->header) {
        /* nothing can have gone on before the header */
        return NGX_OK;
    }

    ctx->out = NULL;
    ctx->last_out = &ctx->out;
    ctx->foreign = NULL;

    for (cl = in; cl; cl = cl->next) {

        rc = ngx_http_rum_body_buf(r, ctx, cl->buf);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DONE) {

            /* the buf goes on as itself */

            if (ctx->head.flags == 0 || cl->next == NULL) {
                /* with the rest of the chain, in the caller's own links */
                *ctx->last_out = cl;
                ctx->foreign = cl;
                break;
            }

            if (ngx_http_rum_emit_link(r, ctx, cl->buf) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        if (ctx->head.flags == 0 && cl->next) {
            *ctx->last_out = cl->next;
            ctx->foreign = cl->next;
            break;
        }
    }

    if (ctx->header
        && (ctx->head.flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)
        && ctx->length_n >= 0)
    {
        /*
         * the Content-Length stays exact: the page waits for the search,
         * unless it must go now: an upstream that stops short (its
         * connection closed) flushes what it has before it finalizes the
         * request; the flush that follows its header does not count
         */

        for (cl = in; cl; cl = cl->next) {
            if (cl->buf->flush && ngx_buf_special(cl->buf)
                && (r->upstream == NULL
                    || r->upstream->peer.connection == NULL))
            {
                break;
            }
        }

        rc = ngx_http_rum_defer(r, ctx, cl != NULL);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (ctx->deferred) {
        *ctx->last_deferred = ctx->out;
        ctx->out = ctx->deferred;
        ctx->deferred = NULL;
        ctx->last_deferred = &ctx->deferred;
    }

    if (ctx->header && ngx_http_rum_send_header(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    out = ctx->out;

    rc = ngx_http_next_body_filter(r, out);

    ngx_http_rum_update_busy(r, ctx, out);

    return rc;
}


static ngx_int_t
ngx_http_rum_body_buf(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    ngx_buf_t *b)
{
    u_char               *p, *s;
    size_t                size, keep;
    ngx_int_t             rc;
    ngx_uint_t            last;
    ngx_buf_t            *piece;
    ngx_chain_t         **emitted;
    ngx_http_rum_head_t  *h;

    h = &ctx->head;

    if (ngx_buf_special(b) || !ngx_buf_in_memory(b)) {

        if (!ngx_buf_special(b)) {
            /* a buffer in a file only: nothing to search */
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "rum: a buffer not in memory, injection stopped");

            if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {
                ngx_http_rum_count(pages_skipped[NGX_HTTP_RUM_SKIP_ERROR]);
            }

            h->flags = 0;
        }

        if (b->last_buf || b->last_in_chain || !ngx_buf_special(b)) {
            if (ngx_http_rum_emit_held(r, ctx, ctx->held_len) != NGX_OK) {
                return NGX_ERROR;
            }

            if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {
                ngx_http_rum_count(pages_skipped[NGX_HTTP_RUM_SKIP_NO_HEAD]);
            }

            h->flags = 0;
        }

        return NGX_DONE;
    }

    emitted = ctx->last_out;
    piece = NULL;
    last = 0;

    s = b->pos;
    p = b->pos;
    size = b->last - b->pos;

    while (h->flags) {

        rc = ngx_http_rum_head_find(h, p, b->last);

        if (ctx->held_len && p == b->pos) {

            if (rc == NGX_HTTP_RUM_HEAD_FOUND && h->at < 0) {
                /* "</head" began in the held bytes: the snippet goes first */

                keep = (size_t) -h->at;
                keep = (keep > ctx->held_len) ? ctx->held_len : keep;

                if (ngx_http_rum_emit_held(r, ctx, ctx->held_len - keep)
                    != NGX_OK
                    || ngx_http_rum_event(r, ctx, rc) != NGX_OK
                    || ngx_http_rum_emit_held(r, ctx, ctx->held_len)
                       != NGX_OK)
                {
                    return NGX_ERROR;
                }

                p += h->next;
                continue;
            }

            if (rc == NGX_HTTP_RUM_HEAD_AGAIN && h->hold > size) {
                /* still a partial "</head": all of this buffer is held */

                keep = h->hold - size;

                if (keep < ctx->held_len) {
                    if (ngx_http_rum_emit_held(r, ctx, ctx->held_len - keep)
                        != NGX_OK)
                    {
                        return NGX_ERROR;
                    }
                }

                ngx_memcpy(ctx->held + ctx->held_len, b->pos, size);
                ctx->held_len += size;
                s = b->last;
                break;
            }

            if (ngx_http_rum_emit_held(r, ctx, ctx->held_len) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        if (rc == NGX_HTTP_RUM_HEAD_AGAIN) {

            if (h->hold) {
                keep = h->hold;

                if (ngx_http_rum_emit_piece(r, ctx, b, s, b->last - keep,
                                            &piece)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                ngx_memcpy(ctx->held, b->last - keep, keep);
                ctx->held_len = keep;
                s = b->last;
            }

            break;
        }

        /* an event: the part before it, the insertion, then on */

        if (h->at > 0) {
            if (ngx_http_rum_emit_piece(r, ctx, b, s, p + h->at, &piece)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            s = p + h->at;
        }

        if (ngx_http_rum_event(r, ctx, rc) != NGX_OK) {
            return NGX_ERROR;
        }

        p += h->next;
    }

    ctx->scanned += size;

    /* the whole page is seen at its last buf, or at its length */

    if (b->last_buf || ctx->scanned == ctx->length_n) {
        last = 1;
    }

    if (h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD) {

        if (ctx->scanned > NGX_HTTP_RUM_SEARCH_LIMIT
            || last || b->last_in_chain)
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "rum: no </head> nor <body> found");

            ngx_http_rum_count(pages_skipped[NGX_HTTP_RUM_SKIP_NO_HEAD]);

            h->flags &= ~NGX_HTTP_RUM_HEAD_FIND_HEAD;
        }
    }

    if (last) {
        h->flags = 0;
    }

    if (s < b->last) {

        /*
         * the rest of the buffer is b itself, moved on past what went out
         * before it: the pieces of ours that point into its memory are
         * sent first, so b is not done (and its memory not used again)
         * before they are; nothing is held then
         */

        if (b->in_file) {
            b->file_pos += s - b->pos;
        }

        b->pos = s;

        return NGX_DONE;
    }

    /*
     * held bytes wait for the next buffer even on a flush: they are a few
     * bytes of a tag, and the snippet may have to go before them
     */

    if (!(h->flags & NGX_HTTP_RUM_HEAD_FIND_HEAD)) {
        if (ngx_http_rum_emit_held(r, ctx, ctx->held_len) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /*
     * b itself is not passed on: the last piece that points into it
     * marks it sent (its "shadow"), or, when nothing does, it is done now
     */

    if (piece) {
        piece->shadow = b;
        piece->recycled = b->recycled;
        ctx->track = 1;

    } else {
        b->pos = b->last;
    }

    if (b->last_buf || b->last_in_chain || b->flush || b->sync) {

        if (*emitted == NULL) {
            /* nothing went out for this buffer: its flags alone */
            if (ngx_http_rum_emit_memory(r, ctx, NULL, 0, 0) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        ctx->last->last_buf = b->last_buf;
        ctx->last->last_in_chain = b->last_in_chain;
        ctx->last->flush = b->flush;
        ctx->last->sync |= b->sync;
    }

    return NGX_OK;
}


/* what to do at an event of the finder: inject, skip, add crossorigin */

static ngx_int_t
ngx_http_rum_event(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    ngx_int_t rc)
{
    ngx_str_t                *host;
    ngx_uint_t                i;
    ngx_http_rum_head_t      *h;
    ngx_http_rum_loc_conf_t  *rlcf;

    h = &ctx->head;

    switch (rc) {

    case NGX_HTTP_RUM_HEAD_FOUND:
    case NGX_HTTP_RUM_HEAD_BODY:

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "rum: snippet injected %s",
                       rc == NGX_HTTP_RUM_HEAD_FOUND ? "before </head>"
                                                     : "after <body>");

        ngx_http_rum_count(pages_injected);

        if (ctx->policy) {
            ngx_http_rum_count(pages_profiled);
        }

        ctx->injected = 1;
        ctx->added += ctx->snippet.len;

        return ngx_http_rum_emit_memory(r, ctx, ctx->snippet.data,
                                        ctx->snippet.len, 0);

    case NGX_HTTP_RUM_HEAD_ALREADY:
        ngx_http_rum_count(pages_skipped[NGX_HTTP_RUM_SKIP_ALREADY]);
        return NGX_OK;

    default: /* NGX_HTTP_RUM_HEAD_SCRIPT */

        rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

        if (rlcf->crossorigin == NULL) {
            return NGX_OK;
        }

        host = rlcf->crossorigin->elts;

        for (i = 0; i < rlcf->crossorigin->nelts; i++) {
            if ((host[i].len == h->host_len
                 && ngx_strncmp(host[i].data, h->host, h->host_len) == 0)
                || (host[i].len < h->host_len
                    && h->host[host[i].len] == ':'
                    && ngx_strncmp(host[i].data, h->host, host[i].len) == 0))
            {
                ctx->added += sizeof(ngx_http_rum_crossorigin_attr) - 1;

                return ngx_http_rum_emit_memory(r, ctx,
                                           ngx_http_rum_crossorigin_attr,
                                           sizeof(ngx_http_rum_crossorigin_attr)
                                           - 1, 0);
            }
        }

        return NGX_OK;
    }
}


/*
 * A page with a Content-Length whose first buffers do not settle the
 * search: what would go out is copied aside, and the buffers it came in
 * are released at once (an upstream gets them back), until the search
 * settles; then the header and the copy go first.  NGX_DECLINED past the
 * search limit, or on a flush: the search is given up, the page goes on
 * as it came.
 */

static ngx_int_t
ngx_http_rum_defer(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    ngx_uint_t flush)
{
    size_t        size;
    ngx_buf_t    *b, *d;
    ngx_chain_t  *cl, *next, *tail;

    size = 0;

    for (cl = ctx->out; cl; cl = cl->next) {
        if (ngx_buf_in_memory(cl->buf)) {
            size += cl->buf->last - cl->buf->pos;
        }
    }

    if (flush
        || ctx->deferred_size + size + ctx->held_len
           > NGX_HTTP_RUM_SEARCH_LIMIT)
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "rum: no </head> nor <body> in time");

        ngx_http_rum_count(pages_skipped[NGX_HTTP_RUM_SKIP_NO_HEAD]);

        ctx->head.flags = 0;

        if (ctx->held_len == 0) {
            return NGX_DECLINED;
        }

        /* the held bytes of a "</head" that did not come, before the rest */

        tail = ctx->foreign ? *ctx->last_out : NULL;

        if (ngx_http_rum_emit_held(r, ctx, ctx->held_len) != NGX_OK) {
            return NGX_ERROR;
        }

        *ctx->last_out = tail;

        return NGX_DECLINED;
    }

    if (size) {
        d = ngx_create_temp_buf(r->pool, size);
        if (d == NULL) {
            return NGX_ERROR;
        }

        d->tag = (ngx_buf_tag_t) &ngx_http_rum_filter_module;

        cl = ngx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        cl->buf = d;
        cl->next = NULL;

        *ctx->last_deferred = cl;
        ctx->last_deferred = &cl->next;
        ctx->deferred_size += size;

    } else {
        d = NULL;
    }

    /* the bytes, copied aside in order */

    for (cl = ctx->out; d && cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b) && b->last > b->pos) {
            d->last = ngx_cpymem(d->last, b->pos, b->last - b->pos);
        }
    }

    /* then released: ours to the free list, others' marked as sent */

    for (cl = ctx->out; cl; cl = next) {
        next = cl->next;
        b = cl->buf;

        if (cl == ctx->foreign) {
            /* the caller's links, to the end */
            for ( /* void */ ; cl; cl = cl->next) {
                cl->buf->pos = cl->buf->last;
                cl->buf->file_pos = cl->buf->file_last;
            }

            break;
        }

        if (b->tag != (ngx_buf_tag_t) &ngx_http_rum_filter_module) {
            /* a link of ours to someone else's buf */
            b->pos = b->last;
            b->file_pos = b->file_last;
            ngx_free_chain(r->pool, cl);
            continue;
        }

        if (b->shadow) {
            b->shadow->pos = b->shadow->last;
            b->shadow->file_pos = b->shadow->file_last;
            b->shadow = NULL;
        }

        b->pos = b->last;
        cl->next = ctx->free;
        ctx->free = cl;
    }

    ctx->linked = 0;

    return NGX_OK;
}


/* a buf of ours that points into b's memory, pos..last */

static ngx_int_t
ngx_http_rum_emit_piece(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    ngx_buf_t *b, u_char *pos, u_char *last, ngx_buf_t **piece)
{
    ngx_buf_t    *pb;
    ngx_chain_t  *cl;

    if (pos >= last) {
        return NGX_OK;
    }

    cl = ngx_chain_get_free_buf(r->pool, &ctx->free);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    pb = cl->buf;

    ngx_memcpy(pb, b, sizeof(ngx_buf_t));

    pb->pos = pos;
    pb->last = last;
    pb->in_file = 0;
    pb->file = NULL;
    pb->shadow = NULL;
    pb->recycled = 0;
    pb->flush = 0;
    pb->sync = 0;
    pb->last_buf = 0;
    pb->last_in_chain = 0;
    pb->tag = (ngx_buf_tag_t) &ngx_http_rum_filter_module;

    *piece = pb;

    ctx->last = pb;
    *ctx->last_out = cl;
    ctx->last_out = &cl->next;

    return NGX_OK;
}


/* a buf of ours with data that outlives the request's buffers */

static ngx_int_t
ngx_http_rum_emit_memory(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    u_char *data, size_t len, ngx_uint_t copy)
{
    u_char       *p;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    cl = ngx_chain_get_free_buf(r->pool, &ctx->free);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    b = cl->buf;
    ngx_memzero(b, sizeof(ngx_buf_t));

    b->tag = (ngx_buf_tag_t) &ngx_http_rum_filter_module;

    if (len) {
        if (copy) {
            p = ngx_pnalloc(r->pool, len);
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(p, data, len);
            data = p;
        }

        b->memory = 1;
        b->start = data;
        b->pos = data;
        b->last = data + len;
        b->end = data + len;

    } else {
        b->sync = 1;
    }

    ctx->last = b;
    *ctx->last_out = cl;
    ctx->last_out = &cl->next;

    return NGX_OK;
}


/* the first n held bytes go out; the rest stay held */

static ngx_int_t
ngx_http_rum_emit_held(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    size_t n)
{
    if (n == 0) {
        return NGX_OK;
    }

    ctx->track = 1;

    if (ngx_http_rum_emit_memory(r, ctx, ctx->held, n, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memmove(ctx->held, ctx->held + n, ctx->held_len - n);
    ctx->held_len -= n;

    return NGX_OK;
}


/* someone else's buf, passed on as it is in a link of ours */

static ngx_int_t
ngx_http_rum_emit_link(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    ngx_buf_t *b)
{
    ngx_chain_t  *cl;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;

    ctx->linked = 1;
    ctx->last = b;
    *ctx->last_out = cl;
    ctx->last_out = &cl->next;

    return NGX_OK;
}


/*
 * After the chain went on: links of ours to bufs of others go back to the
 * pool at once (the filters after this one copy the links they keep, and
 * the owner of a buf follows it); bufs of ours wait in busy until sent,
 * when tracked, then the buffer they shadow is released
 */

static void
ngx_http_rum_update_busy(ngx_http_request_t *r, ngx_http_rum_ctx_t *ctx,
    ngx_chain_t *out)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl, *next, **ll;

    if (!ctx->track && !ctx->linked) {
        /* only our links to our untracked bufs went out: they stay */
        return;
    }

    ctx->linked = 0;
    ll = &ctx->busy;

    while (*ll) {
        ll = &(*ll)->next;
    }

    for (cl = out; cl && cl != ctx->foreign; cl = next) {
        next = cl->next;

        if (cl->buf->tag != (ngx_buf_tag_t) &ngx_http_rum_filter_module) {
            ngx_free_chain(r->pool, cl);
            continue;
        }

        if (ctx->track) {
            cl->next = NULL;
            *ll = cl;
            ll = &cl->next;
        }
    }

    while (ctx->busy) {
        cl = ctx->busy;
        b = cl->buf;

        if (ngx_buf_size(b) != 0) {
            break;
        }

        ctx->busy = cl->next;

        if (b->shadow) {
            /* the upstream may use its buffer again */
            b->shadow->pos = b->shadow->last;
            b->shadow = NULL;
        }

        cl->next = ctx->free;
        ctx->free = cl;
    }
}


/*
 * Before the content handler: an upstream is asked for an uncompressed
 * page.  Only page views (their Accept names text/html, as a browser's
 * navigation does) that go to an upstream (the location has a content
 * handler, such as proxy_pass): nginx's own handlers (static files,
 * gzip_static, index) and scripts, styles and images keep the request as it
 * is.  Accept-Encoding is taken out of the request's header list, which
 * the upstream modules send on, but r->headers_in.accept_encoding stays:
 * nginx's gzip, gzip_static and gunzip decide for the client with it, also
 * after internal redirects.  The response, the same for every client, is
 * what a cache stores for all of them: gzip compresses it for each client
 * as it accepts.
 */

static ngx_int_t
ngx_http_rum_precontent_handler(ngx_http_request_t *r)
{
#if (NGX_HTTP_GZIP || NGX_HTTP_HEADERS)

    ngx_uint_t                i, n, found;
    ngx_list_t                headers;
    ngx_list_part_t          *part;
    ngx_table_elt_t          *h, *accept, *copy;
    ngx_http_rum_loc_conf_t  *rlcf;

    if (r != r->main
        || r->content_handler == NULL
        || r->headers_in.accept_encoding == NULL)
    {
        return NGX_DECLINED;
    }

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rum_module);

    if (rlcf->rum == NGX_HTTP_RUM_OFF || rlcf->endpoint || rlcf->status) {
        return NGX_DECLINED;
    }

    accept = ngx_http_rum_find_header(&r->headers_in.headers,
                                      &ngx_http_rum_accept_key);

    if (accept == NULL
        || ngx_strlcasestrn(accept->value.data,
                            accept->value.data + accept->value.len,
                            (u_char *) "text/html", sizeof("text/html") - 2)
           == NULL)
    {
        return NGX_DECLINED;
    }

    if (rlcf->rum == NGX_HTTP_RUM_VARIABLE
        && ngx_http_rum_variable_on(r, rlcf) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    /*
     * the list is made anew without it: the header pointers of headers_in
     * (and, since 1.23, the links between repeated headers) point into the
     * old one, which stays as it is
     */

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    if (ngx_list_init(&headers, r->pool, n, sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    found = 0;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (&h[i] == r->headers_in.accept_encoding) {
            found = 1;
            continue;
        }

        copy = ngx_list_push(&headers);
        if (copy == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *copy = h[i];
    }

    if (!found) {
        /* taken out already, before an internal redirect */
        return NGX_DECLINED;
    }

    r->headers_in.headers = headers;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "rum: Accept-Encoding kept from the upstream");

    return NGX_DECLINED;

#else

    /* no gzip, no r->headers_in.accept_encoding: nothing to keep apart */
    return NGX_DECLINED;

#endif
}


static void *
ngx_http_rum_filter_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_rum_snippet_conf_t  *scf;

    scf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rum_snippet_conf_t));
    if (scf == NULL) {
        return NULL;
    }

    return scf;
}


/*
 * ngx_http_rum_module comes first in the list of modules: its location
 * configuration of this same location is merged already
 */

static char *
ngx_http_rum_filter_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_rum_snippet_conf_t *conf = child;

    ngx_http_rum_loc_conf_t  *rlcf;

    rlcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_rum_module);

    if (rlcf->rum == NGX_HTTP_RUM_OFF) {
        return NGX_CONF_OK;
    }

    return ngx_http_rum_snippet_prepare(cf, rlcf, conf);
}


ngx_int_t
ngx_http_rum_filter_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_rum_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_rum_body_filter;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_rum_precontent_handler;

    /* the finder reads with the widest vectors this CPU has */
    (void) ngx_http_rum_head_vector(0);

    return NGX_OK;
}
