
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

    /* nothing varies per request: both forms whole (no nonce, no sample) */
    ngx_str_t                  whole_inline;
    ngx_str_t                  whole_attr;
} ngx_http_rum_snippet_conf_t;


char *ngx_http_rum_snippet_prepare(ngx_conf_t *cf,
    ngx_http_rum_loc_conf_t *rlcf, ngx_http_rum_snippet_conf_t *scf);


#endif /* _NGX_HTTP_RUM_SNIPPET_H_INCLUDED_ */
