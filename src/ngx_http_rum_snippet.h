
/*
 * ngx_http_rum_module: the loader snippet, private to the injection part
 * (ngx_http_rum_filter.c and ngx_http_rum_snippet.c).
 */


#ifndef _NGX_HTTP_RUM_SNIPPET_H_INCLUDED_
#define _NGX_HTTP_RUM_SNIPPET_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"


/*
 * What does not change per request, rendered at configuration time: the
 * script URL and the rum_config properties with literal values, in both
 * forms (inline JSON, data- attributes).  Properties with variables are
 * rendered per request.
 */

typedef struct {
    ngx_str_t                  url_json;     /* "/rum" quoted; or empty */
    ngx_str_t                  url_attr;
    ngx_str_t                  config_json;  /* "a":1,"b":"x" */
    ngx_str_t                  config_attr;  /* ' data-a="1" data-b="x"' */
    ngx_array_t               *dynamic;      /* ngx_http_rum_config_t * */

    /* the static URL names a host: the loader's script is crossorigin */
    ngx_uint_t                 cross;

    /*
     * nothing varies per request: both forms whole (no nonce), for each
     * word on profiling (ngx_http_rum_snippet_whole())
     */
    ngx_str_t                  whole_inline[3];
    ngx_str_t                  whole_attr[3];
} ngx_http_rum_snippet_conf_t;


/* the whole loader of a profiling word: none, true, false */
#define ngx_http_rum_snippet_whole(profiling)                                 \
    ((profiling) == NGX_CONF_UNSET ? 0 : ((profiling) == 1 ? 1 : 2))


/*
 * The page's Content-Security-Policy (ngx_http_rum_csp.c): *inline_ok when
 * the inline loader may run (else the attribute form), and the script
 * nonce to give it, if any
 */
void ngx_http_rum_csp(ngx_http_request_t *r, ngx_str_t *nonce,
    ngx_uint_t *inline_ok);

char *ngx_http_rum_snippet_prepare(ngx_conf_t *cf,
    ngx_http_rum_loc_conf_t *rlcf, ngx_http_rum_snippet_conf_t *scf);
ngx_int_t ngx_http_rum_snippet_render_request(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_http_rum_snippet_conf_t *scf,
    ngx_str_t *nonce, ngx_uint_t inline_ok, ngx_int_t profiling,
    ngx_str_t *out);


/*
 * The loader for this request (nonce may be empty): the one rendered at
 * configuration time when nothing in it varies, else rendered now
 */

static ngx_inline ngx_int_t
ngx_http_rum_snippet(ngx_http_request_t *r, ngx_http_rum_loc_conf_t *rlcf,
    ngx_str_t *nonce, ngx_uint_t inline_ok, ngx_int_t profiling,
    ngx_str_t *out)
{
    ngx_uint_t                    i;
    ngx_http_rum_snippet_conf_t  *scf;

    scf = ngx_http_get_module_loc_conf(r, ngx_http_rum_filter_module);

    if (scf->whole_inline[0].len && nonce->len == 0) {
        i = ngx_http_rum_snippet_whole(profiling);
        *out = inline_ok ? scf->whole_inline[i] : scf->whole_attr[i];
        return NGX_OK;
    }

    return ngx_http_rum_snippet_render_request(r, rlcf, scf, nonce, inline_ok,
                                               profiling, out);
}


#endif /* _NGX_HTTP_RUM_SNIPPET_H_INCLUDED_ */
