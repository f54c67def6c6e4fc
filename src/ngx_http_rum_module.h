
/*
 * ngx_http_rum_module: the configuration and the interfaces between the
 * parts of the module.
 */


#ifndef _NGX_HTTP_RUM_MODULE_H_INCLUDED_
#define _NGX_HTTP_RUM_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_status.h"


#define NGX_HTTP_RUM_OFF              0
#define NGX_HTTP_RUM_ON               1
#define NGX_HTTP_RUM_VARIABLE         2

#define NGX_HTTP_RUM_CONFIG_NUMBER    1
#define NGX_HTTP_RUM_CONFIG_BOOLEAN   2
#define NGX_HTTP_RUM_CONFIG_STRING    3


typedef struct ngx_http_rum_redis_server_s  ngx_http_rum_redis_server_t;
typedef struct ngx_http_rum_extract_s  ngx_http_rum_extract_t;


typedef struct {
    ngx_str_t                     name;
    ngx_uint_t                    type;       /* NGX_HTTP_RUM_CONFIG_* */
    ngx_http_complex_value_t      value;
} ngx_http_rum_config_t;


typedef struct {
    ngx_str_t                     name;
    ngx_http_complex_value_t      value;
} ngx_http_rum_field_t;


typedef struct {
    ngx_str_t                     name;       /* stream field, "*" for each */
    ngx_str_t                     path;       /* "view.id", "metrics.*" */
} ngx_http_rum_extract_conf_t;


typedef struct {
    /* injection: rum, rum_script_url, rum_config, rum_types, ... */
    ngx_uint_t                    rum;        /* NGX_HTTP_RUM_OFF|ON|VARIABLE */
    ngx_http_complex_value_t     *rum_value;
    ngx_http_complex_value_t     *script_url;
    ngx_array_t                  *config;     /* ngx_http_rum_config_t */
    ngx_http_rum_config_t        *profiling_rate;  /* profilingSampleRate */
    ngx_hash_t                    types;
    ngx_array_t                  *types_keys;
    ngx_str_t                     document_policy; /* empty when off */
    ngx_array_t                  *crossorigin;     /* ngx_str_t hosts */
    ngx_flag_t                    privacy_signals; /* Sec-GPC, DNT */

    /* rum_cors_origins: NULL when not configured, "*" entry for any */
    ngx_array_t                  *cors_origins;    /* ngx_str_t */
    ngx_flag_t                    cors_any;

    /* endpoint */
    ngx_flag_t                    endpoint;
    ngx_flag_t                    status;
    ngx_http_complex_value_t     *stream;
    ngx_uint_t                    maxlen;
    ngx_uint_t                    shards;     /* 0: one stream */
    ngx_array_t                  *extract_conf;    /* extract_conf_t */
    ngx_http_rum_extract_t       *extract;         /* compiled */
    ngx_array_t                  *fields;          /* ngx_http_rum_field_t */
    size_t                        max_body;
    ngx_http_rum_redis_server_t  *redis;
} ngx_http_rum_loc_conf_t;


typedef struct {
    ngx_array_t                   servers;    /* redis_server_t * */
    ngx_http_rum_redis_server_t  *default_server;
    size_t                        queue_size;
    ngx_path_t                   *spool;      /* NULL: rum_spool off */
    off_t                         spool_max;
    ngx_shm_zone_t               *shm_zone;
    ngx_uint_t                    endpoints;  /* locations with rum_endpoint */
} ngx_http_rum_main_conf_t;


extern ngx_module_t  ngx_http_rum_module;
extern ngx_module_t  ngx_http_rum_filter_module;


/* endpoint: GET/HEAD the client, POST beacons, OPTIONS preflight */
ngx_int_t ngx_http_rum_endpoint_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_rum_status_handler(ngx_http_request_t *r);

/* postconfiguration: the request body filter that enforces rum_max_body */
ngx_int_t ngx_http_rum_endpoint_init(ngx_conf_t *cf);

/*
 * CORS: NGX_OK when the request's Origin is allowed (or absent); sets
 * Access-Control-Allow-Origin (and Vary: Origin when echoing).
 * NGX_DECLINED when the origin is not allowed.
 */
ngx_int_t ngx_http_rum_cors(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf);

/* the header of that name (any case) in a header list, or NULL */
ngx_table_elt_t *ngx_http_rum_find_header(ngx_list_t *headers,
    ngx_str_t *name);

/* adds a response header; key and value must outlive the request */
ngx_table_elt_t *ngx_http_rum_add_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);

/* filter */
ngx_int_t ngx_http_rum_filter_init(ngx_conf_t *cf);

/* the default beacon extraction when no rum_extract is configured */
char *ngx_http_rum_extract_compile(ngx_conf_t *cf,
    ngx_http_rum_loc_conf_t *rlcf);


#endif /* _NGX_HTTP_RUM_MODULE_H_INCLUDED_ */
