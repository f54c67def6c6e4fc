
/*
 * ngx_http_rum_module: Real User Monitoring inside nginx.
 *
 * This file is the table of contents: the directives, the configuration
 * and the process hooks.  The parts live in src/: the injection filter
 * (ngx_http_rum_filter.c), the endpoint that serves the client and takes
 * beacons (ngx_http_rum_endpoint.c), the beacon parser, the Redis
 * connection and the status counters.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_beacon.h"
#include "ngx_http_rum_redis.h"
#include "ngx_http_rum_spool.h"


#define NGX_HTTP_RUM_DEFAULT_MAXLEN  1000000


typedef struct {
    ngx_str_t                  name;
    ngx_uint_t                 type;
} ngx_http_rum_property_t;


static char *ngx_http_rum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_rum_endpoint(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_config(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_types(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_document_policy(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_rum_cors_origins(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_crossorigin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_stream(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_extract(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rum_field(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

static void *ngx_http_rum_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_rum_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_int_t ngx_http_rum_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_rum_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_rum_anon_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static char *ngx_http_rum_privacy_config(ngx_conf_t *cf,
    ngx_http_rum_loc_conf_t *conf);
static void *ngx_http_rum_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_rum_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_rum_fields_overlap(ngx_conf_t *cf,
    ngx_http_rum_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rum_init_process(ngx_cycle_t *cycle);
static void ngx_http_rum_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_rum_max_body_bounds = {
    ngx_conf_check_num_bounds, 16, 16 * 1024 * 1024
};


static ngx_str_t  ngx_http_rum_default_types[] = {
    ngx_string("text/html"),
    ngx_null_string
};


/* the client properties rum_config accepts (docs/CONTRACTS.md) */
static ngx_http_rum_property_t  ngx_http_rum_properties[] = {
    { ngx_string("samplingRate"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("entriesRate"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("maxEntries"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("newSessionAfter"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("stopCollectorAfter"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("profilingSampleRate"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("sessionSampleRate"), NGX_HTTP_RUM_CONFIG_NUMBER },
    { ngx_string("savingMode"), NGX_HTTP_RUM_CONFIG_BOOLEAN },
    { ngx_string("trackResources"), NGX_HTTP_RUM_CONFIG_BOOLEAN },
    { ngx_string("trackHeroes"), NGX_HTTP_RUM_CONFIG_BOOLEAN },
    { ngx_string("trackConsole"), NGX_HTTP_RUM_CONFIG_BOOLEAN },
    { ngx_string("trackErrors"), NGX_HTTP_RUM_CONFIG_BOOLEAN },
    { ngx_string("privacySignals"), NGX_HTTP_RUM_CONFIG_BOOLEAN },
    { ngx_string("viewId"), NGX_HTTP_RUM_CONFIG_STRING },
    { ngx_string("labels"), NGX_HTTP_RUM_CONFIG_STRING },
    { ngx_string("ignoreResources"), NGX_HTTP_RUM_CONFIG_STRING },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_rum_commands[] = {

    { ngx_string("rum"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_rum,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_endpoint"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rum_endpoint,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_script_url"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rum_loc_conf_t, script_url),
      NULL },

    { ngx_string("rum_config"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_rum_config,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_types"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_rum_types,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rum_loc_conf_t, types_keys),
      &ngx_http_rum_default_types[0] },

    { ngx_string("rum_privacy_signals"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rum_loc_conf_t, privacy_signals),
      NULL },

    { ngx_string("rum_document_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_rum_document_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_cors_origins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_rum_cors_origins,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_crossorigin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_rum_crossorigin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_redis"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_rum_redis,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_stream"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_rum_stream,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_extract"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_rum_extract,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_field"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_rum_field,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_max_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rum_loc_conf_t, max_body),
      &ngx_http_rum_max_body_bounds },

    { ngx_string("rum_queue"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_rum_main_conf_t, queue_size),
      NULL },

    { ngx_string("rum_spool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_rum_spool_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rum_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rum_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_rum_module_ctx = {
    ngx_http_rum_add_variables,            /* preconfiguration */
    ngx_http_rum_postconfiguration,        /* postconfiguration */

    ngx_http_rum_create_main_conf,         /* create main configuration */
    ngx_http_rum_init_main_conf,           /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_rum_create_loc_conf,          /* create location configuration */
    ngx_http_rum_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_rum_module = {
    NGX_MODULE_V1,
    &ngx_http_rum_module_ctx,              /* module context */
    ngx_http_rum_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_rum_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_rum_exit_process,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static char *
ngx_http_rum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (rlcf->rum != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        rlcf->rum = NGX_HTTP_RUM_ON;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        rlcf->rum = NGX_HTTP_RUM_OFF;
        return NGX_CONF_OK;
    }

    if (ngx_http_script_variables_count(&value[1]) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"rum\", "
                           "it must be \"on\", \"off\" or a variable",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    rlcf->rum_value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (rlcf->rum_value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = rlcf->rum_value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rlcf->rum = NGX_HTTP_RUM_VARIABLE;

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_endpoint(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_rum_main_conf_t  *rmcf;

    if (rlcf->endpoint == 1) {
        return "is duplicate";
    }

    if (rlcf->status == 1) {
        return "cannot be in the location of \"rum_status\"";
    }

    rlcf->endpoint = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_rum_endpoint_handler;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rum_module);
    rmcf->endpoints++;

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (rlcf->status == 1) {
        return "is duplicate";
    }

    if (rlcf->endpoint == 1) {
        return "cannot be in the location of \"rum_endpoint\"";
    }

    rlcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_rum_status_handler;

    return NGX_CONF_OK;
}


/* text/html is always one of rum_types: naming it again is no duplicate */

static char *
ngx_http_rum_types(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t   *value;
    ngx_uint_t   i, n;

    value = cf->args->elts;
    n = 1;

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == sizeof("text/html") - 1
            && ngx_strncasecmp(value[i].data, (u_char *) "text/html",
                               sizeof("text/html") - 1)
               == 0)
        {
            continue;
        }

        value[n++] = value[i];
    }

    cf->args->nelts = n;

    return ngx_http_types_slot(cf, cmd, conf);
}


static char *
ngx_http_rum_config(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    u_char                            *p, *last;
    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_rum_config_t             *rc;
    ngx_http_rum_property_t           *prop;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    prop = NULL;

    for (i = 0; ngx_http_rum_properties[i].name.len; i++) {
        if (value[1].len == ngx_http_rum_properties[i].name.len
            && ngx_strncmp(value[1].data, ngx_http_rum_properties[i].name.data,
                           value[1].len)
               == 0)
        {
            prop = &ngx_http_rum_properties[i];
            break;
        }
    }

    if (prop == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown client property \"%V\" in \"rum_config\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (rlcf->config == NULL) {
        rlcf->config = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_rum_config_t));
        if (rlcf->config == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rc = rlcf->config->elts;

    for (i = 0; i < rlcf->config->nelts; i++) {
        if (rc[i].name.len == value[1].len
            && ngx_strncmp(rc[i].name.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate client property \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_script_variables_count(&value[2]) == 0) {

        /* a literal value is checked now, a variable one per request */

        p = value[2].data;
        last = p + value[2].len;

        switch (prop->type) {

        case NGX_HTTP_RUM_CONFIG_NUMBER:
            if (p == last) {
                goto invalid;
            }

            for ( /* void */ ; p < last; p++) {
                if ((*p < '0' || *p > '9') && *p != '.') {
                    goto invalid;
                }
            }

            if (value[1].len > sizeof("SampleRate") - 1
                && ngx_strncmp(value[1].data + value[1].len
                               - (sizeof("SampleRate") - 1),
                               "SampleRate", sizeof("SampleRate") - 1) == 0
                && ngx_atofp(value[2].data, value[2].len, 2) > 10000)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"rum_config %V\" is a percentage: "
                                   "\"%V\" is not between 0 and 100",
                                   &value[1], &value[2]);
                return NGX_CONF_ERROR;
            }

            break;

        case NGX_HTTP_RUM_CONFIG_BOOLEAN:
            if (ngx_strcmp(value[2].data, "true") != 0
                && ngx_strcmp(value[2].data, "false") != 0)
            {
                goto invalid;
            }

            break;

        default: /* NGX_HTTP_RUM_CONFIG_STRING */
            break;
        }
    }

    rc = ngx_array_push(rlcf->config);
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    rc->name = prop->name;
    rc->type = prop->type;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &rc->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" for client property \"%V\", "
                       "it must be %s", &value[2], &value[1],
                       prop->type == NGX_HTTP_RUM_CONFIG_NUMBER
                       ? "a non-negative number" : "\"true\" or \"false\"");
    return NGX_CONF_ERROR;
}


static char *
ngx_http_rum_document_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_str_t  *value;

    if (rlcf->document_policy.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        ngx_str_set(&rlcf->document_policy, "js-profiling");

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&rlcf->document_policy, "");

    } else {
        rlcf->document_policy = value[1];
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_cors_origins(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    u_char      *p;
    ngx_str_t   *value, *origin;
    ngx_uint_t   i;

    if (rlcf->cors_origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    rlcf->cors_origins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                          sizeof(ngx_str_t));
    if (rlcf->cors_origins == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "*") == 0) {
            rlcf->cors_any = 1;
            continue;
        }

        /* an origin is scheme://host[:port], with no path */

        p = (u_char *) ngx_strstr(value[i].data, "://");

        if (p == NULL || p == value[i].data
            || ngx_strlchr(p + 3, value[i].data + value[i].len, '/') != NULL
            || p + 3 == value[i].data + value[i].len)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid origin \"%V\" in \"rum_cors_origins\","
                               " it must be \"*\" or scheme://host[:port]",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        origin = ngx_array_push(rlcf->cors_origins);
        if (origin == NULL) {
            return NGX_CONF_ERROR;
        }

        *origin = value[i];
        ngx_strlow(origin->data, origin->data, origin->len);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_crossorigin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_str_t   *value, *host;
    ngx_uint_t   i;

    if (rlcf->crossorigin != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        rlcf->crossorigin = NULL;
        return NGX_CONF_OK;
    }

    rlcf->crossorigin = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                         sizeof(ngx_str_t));
    if (rlcf->crossorigin == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        host = ngx_array_push(rlcf->crossorigin);
        if (host == NULL) {
            return NGX_CONF_ERROR;
        }

        *host = value[i];
        ngx_strlow(host->data, host->data, host->len);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_str_t  *value;

    if (rlcf->redis != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rlcf->redis = ngx_http_rum_redis_server_add(cf, &value[1],
                                                cf->args->nelts - 1);
    if (rlcf->redis == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_stream(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_int_t                          n;
    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_compile_complex_value_t   ccv;

    if (rlcf->stream != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "has an empty stream key";
    }

    rlcf->stream = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (rlcf->stream == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = rlcf->stream;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "maxlen=", 7) == 0) {
            n = ngx_atoi(value[i].data + 7, value[i].len - 7);
            if (n == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid maxlen \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            rlcf->maxlen = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "shards=", 7) == 0) {
            n = ngx_atoi(value[i].data + 7, value[i].len - 7);
            if (n == NGX_ERROR || n < 1 || n > 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid shards \"%V\", it must be "
                                   "between 1 and 1024", &value[i]);
                return NGX_CONF_ERROR;
            }

            rlcf->shards = n;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_extract(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_str_t                    *value;
    ngx_http_rum_extract_conf_t  *ex;

    value = cf->args->elts;

    if (rlcf->extract_conf == NULL) {
        rlcf->extract_conf = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_rum_extract_conf_t));
        if (rlcf->extract_conf == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ex = ngx_array_push(rlcf->extract_conf);
    if (ex == NULL) {
        return NGX_CONF_ERROR;
    }

    ex->name = value[1];
    ex->path = value[2];

    return NGX_CONF_OK;
}


static char *
ngx_http_rum_field(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rum_loc_conf_t *rlcf = conf;

    ngx_str_t                         *value;
    ngx_http_rum_field_t              *field;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "has an empty field name";
    }

    if (ngx_http_rum_beacon_reserved(value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"rum_field\" name \"%V\" is one of the stream "
                           "entry's own fields (v, ts, id, kind, seq, "
                           "payload)", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (rlcf->fields == NULL) {
        rlcf->fields = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_rum_field_t));
        if (rlcf->fields == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    field = ngx_array_push(rlcf->fields);
    if (field == NULL) {
        return NGX_CONF_ERROR;
    }

    field->name = value[1];

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &field->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_rum_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_rum_main_conf_t  *rmcf;

    rmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rum_main_conf_t));
    if (rmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rmcf->default_server = NULL;
     *     rmcf->shm_zone = NULL;
     *     rmcf->endpoints = 0;
     */

    if (ngx_array_init(&rmcf->servers, cf->pool, 2,
                       sizeof(ngx_http_rum_redis_server_t *))
        != NGX_OK)
    {
        return NULL;
    }

    rmcf->queue_size = NGX_CONF_UNSET_SIZE;
    rmcf->spool = NGX_CONF_UNSET_PTR;
    rmcf->spool_max = NGX_CONF_UNSET;

    return rmcf;
}


static char *
ngx_http_rum_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_rum_main_conf_t *rmcf = conf;

    ngx_str_t  name;

    ngx_conf_init_size_value(rmcf->queue_size, 16 * 1024 * 1024);

    ngx_str_set(&name, "ngx_http_rum_status");

    rmcf->shm_zone = ngx_shared_memory_add(cf, &name, 16 * ngx_pagesize,
                                           &ngx_http_rum_module);
    if (rmcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    rmcf->shm_zone->init = ngx_http_rum_status_init_zone;

    return NGX_CONF_OK;
}


/*
 * rum_privacy_signals off: the server injects for visitors who send
 * Sec-GPC or DNT, so the client must not refuse them either; it is told
 * with privacySignals:false, unless rum_config says otherwise.
 */

static char *
ngx_http_rum_privacy_config(ngx_conf_t *cf, ngx_http_rum_loc_conf_t *conf)
{
    ngx_uint_t              i;
    ngx_array_t            *a;
    ngx_http_rum_config_t  *rc;

    if (conf->privacy_signals) {
        return NGX_CONF_OK;
    }

    if (conf->config) {
        rc = conf->config->elts;

        for (i = 0; i < conf->config->nelts; i++) {
            if (ngx_strcmp(rc[i].name.data, "privacySignals") == 0) {
                return NGX_CONF_OK;
            }
        }
    }

    /* a copy: the array may be the enclosing level's */

    a = ngx_array_create(cf->pool, conf->config ? conf->config->nelts + 1 : 1,
                         sizeof(ngx_http_rum_config_t));
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    if (conf->config) {
        rc = ngx_array_push_n(a, conf->config->nelts);
        if (rc == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(rc, conf->config->elts,
                   conf->config->nelts * sizeof(ngx_http_rum_config_t));
    }

    rc = ngx_array_push(a);
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rc, sizeof(ngx_http_rum_config_t));

    ngx_str_set(&rc->name, "privacySignals");
    rc->type = NGX_HTTP_RUM_CONFIG_BOOLEAN;
    ngx_str_set(&rc->value.value, "false");

    conf->config = a;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_rum_add_variables(ngx_conf_t *cf)
{
    ngx_str_t             name = ngx_string("rum_anon_remote_addr");
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &name, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_rum_anon_addr_variable;

    return NGX_OK;
}


/*
 * $rum_anon_remote_addr: the client address without what tells one
 * subscriber from another: an IPv4 address to its /24 ("192.0.2.0"), an
 * IPv6 one to its /48 ("2001:db8:1::"); an IPv4-mapped IPv6 address as
 * IPv4.  The address is the one nginx uses ($remote_addr, after realip).
 */

static ngx_int_t
ngx_http_rum_anon_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char               *p, *a;
    in_addr_t             addr;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    u_char                a6[16];
    struct sockaddr_in6  *sin6;
#endif

    p = ngx_pnalloc(r->pool, NGX_SOCKADDR_STRLEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    switch (r->connection->sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        a = sin6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            v->len = ngx_sprintf(p, "%ud.%ud.%ud.0", a[12], a[13], a[14])
                     - p;
            break;
        }

        ngx_memcpy(a6, a, 6);
        ngx_memzero(a6 + 6, 10);

        v->len = ngx_inet6_ntop(a6, p, NGX_SOCKADDR_STRLEN);
        break;
#endif

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        addr = ntohl(sin->sin_addr.s_addr);

        v->len = ngx_sprintf(p, "%ud.%ud.%ud.0", addr >> 24,
                             (addr >> 16) & 0xff, (addr >> 8) & 0xff)
                 - p;
        break;

    default:
        /* a unix socket: no address to tell anyone by */
        v->len = ngx_sprintf(p, "unix:") - p;
        break;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rum_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_rum_main_conf_t  *rmcf;

    if (ngx_http_rum_endpoint_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the servers whose counters the shared zone's init gives slots */

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rum_module);
    ngx_http_rum_status_servers = &rmcf->servers;

    return ngx_http_rum_spool_init(cf);
}


static void *
ngx_http_rum_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_rum_loc_conf_t  *rlcf;

    rlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rum_loc_conf_t));
    if (rlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rlcf->rum_value = NULL;
     *     rlcf->script_url = NULL;
     *     rlcf->config = NULL;
     *     rlcf->profiling_rate = NULL;
     *     rlcf->types = { NULL };
     *     rlcf->types_keys = NULL;
     *     rlcf->document_policy = { 0, NULL };
     *     rlcf->cors_any = 0;
     *     rlcf->endpoint = 0;
     *     rlcf->status = 0;
     *     rlcf->extract_conf = NULL;
     *     rlcf->extract = NULL;
     *     rlcf->fields = NULL;
     */

    rlcf->rum = NGX_CONF_UNSET_UINT;
    rlcf->crossorigin = NGX_CONF_UNSET_PTR;
    rlcf->cors_origins = NGX_CONF_UNSET_PTR;
    rlcf->stream = NGX_CONF_UNSET_PTR;
    rlcf->maxlen = NGX_CONF_UNSET_UINT;
    rlcf->max_body = NGX_CONF_UNSET_SIZE;
    rlcf->privacy_signals = NGX_CONF_UNSET;
    rlcf->redis = NGX_CONF_UNSET_PTR;

    return rlcf;
}


static char *
ngx_http_rum_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_rum_loc_conf_t *prev = parent;
    ngx_http_rum_loc_conf_t *conf = child;

    ngx_str_t                          value;
    ngx_uint_t                         i;
    ngx_http_rum_config_t             *rc;
    ngx_http_core_loc_conf_t          *clcf;
    ngx_http_rum_main_conf_t          *rmcf;
    ngx_http_compile_complex_value_t   ccv;

    if (conf->rum == NGX_CONF_UNSET_UINT) {
        conf->rum = prev->rum;
        conf->rum_value = prev->rum_value;
    }

    if (conf->rum == NGX_CONF_UNSET_UINT) {
        conf->rum = NGX_HTTP_RUM_OFF;
    }

    if (conf->script_url == NULL) {
        conf->script_url = prev->script_url;
    }

    if (conf->script_url == NULL) {
        conf->script_url = ngx_palloc(cf->pool,
                                      sizeof(ngx_http_complex_value_t));
        if (conf->script_url == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_str_set(&value, "/rum");
        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value;
        ccv.complex_value = conf->script_url;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->config == NULL) {
        conf->config = prev->config;
    }

    ngx_conf_merge_value(conf->privacy_signals, prev->privacy_signals, 1);

    if (ngx_http_rum_privacy_config(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->config) {
        rc = conf->config->elts;

        for (i = 0; i < conf->config->nelts; i++) {
            if (ngx_strcmp(rc[i].name.data, "profilingSampleRate") == 0) {
                conf->profiling_rate = &rc[i];
                break;
            }
        }
    }

    if (ngx_http_merge_types(cf, &conf->types_keys, &conf->types,
                             &prev->types_keys, &prev->types,
                             ngx_http_rum_default_types)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->document_policy.data == NULL) {
        conf->document_policy = prev->document_policy;
    }

    if (conf->document_policy.data == NULL) {
        ngx_str_set(&conf->document_policy, "js-profiling");
    }

    ngx_conf_merge_ptr_value(conf->crossorigin, prev->crossorigin, NULL);

    if (conf->cors_origins == NGX_CONF_UNSET_PTR) {
        conf->cors_origins = prev->cors_origins;
        conf->cors_any = prev->cors_any;
    }

    if (conf->cors_origins == NGX_CONF_UNSET_PTR) {
        conf->cors_origins = NULL;
    }

    /* shards go with the rum_stream line that has them */

    if (conf->stream == NGX_CONF_UNSET_PTR) {
        conf->shards = prev->shards;
    }

    ngx_conf_merge_ptr_value(conf->stream, prev->stream, NULL);
    ngx_conf_merge_uint_value(conf->maxlen, prev->maxlen,
                              NGX_HTTP_RUM_DEFAULT_MAXLEN);

    if (conf->stream == NULL) {
        conf->stream = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (conf->stream == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_str_set(&value, "rum:beacons");
        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value;
        ccv.complex_value = conf->stream;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->extract_conf == NULL) {
        conf->extract_conf = prev->extract_conf;
        conf->extract = prev->extract;
    }

    if (conf->fields == NULL) {
        conf->fields = prev->fields;
    }

    ngx_conf_merge_size_value(conf->max_body, prev->max_body, 64 * 1024);
    ngx_conf_merge_ptr_value(conf->redis, prev->redis, NULL);

    if (!conf->endpoint) {
        return NGX_CONF_OK;
    }

    /* what an endpoint needs is prepared where an endpoint is */

    /*
     * beacons are read into memory, never into a temporary file: the body
     * buffer holds rum_max_body, and larger bodies are refused by nginx
     */

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->client_body_buffer_size < conf->max_body) {
        clcf->client_body_buffer_size = conf->max_body;
    }

    /*
     * the endpoint enforces rum_max_body itself (Content-Length in the
     * handler, chunked bodies in its request body filter), so that a large
     * beacon is counted and logged at info like any other bad beacon
     */
    clcf->client_max_body_size = 0;

    if (conf->extract == NULL) {
        if (ngx_http_rum_extract_compile(cf, conf) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_rum_fields_overlap(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->redis == NULL) {
        rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rum_module);

        if (rmcf->default_server == NULL) {
            ngx_str_set(&value, "127.0.0.1:6379");

            rmcf->default_server = ngx_http_rum_redis_server_add(cf, &value,
                                                                 1);
            if (rmcf->default_server == NULL) {
                return NGX_CONF_ERROR;
            }
        }

        conf->redis = rmcf->default_server;
    }

    return NGX_CONF_OK;
}


/*
 * A field that rum_field fills from nginx cannot also come from the
 * payload: a rum_extract of the same name is refused here, and a wildcard
 * member of that name is not copied (ngx_http_rum_entry())
 */

static ngx_int_t
ngx_http_rum_fields_overlap(ngx_conf_t *cf, ngx_http_rum_loc_conf_t *rlcf)
{
    ngx_uint_t                    i, j;
    ngx_http_rum_field_t         *field;
    ngx_http_rum_extract_conf_t  *ex;

    if (rlcf->fields == NULL || rlcf->extract_conf == NULL) {
        return NGX_OK;
    }

    field = rlcf->fields->elts;
    ex = rlcf->extract_conf->elts;

    for (i = 0; i < rlcf->fields->nelts; i++) {
        for (j = 0; j < rlcf->extract_conf->nelts; j++) {
            if (field[i].name.len == ex[j].name.len
                && ngx_strncmp(field[i].name.data, ex[j].name.data,
                               ex[j].name.len)
                   == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "field \"%V\" is given both by "
                                   "\"rum_field\" and by \"rum_extract\"",
                                   &field[i].name);
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_rum_init_process(ngx_cycle_t *cycle)
{
    ngx_http_rum_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rum_module);

    /* a site that only injects has nothing to write: no connection */

    if (rmcf == NULL || rmcf->servers.nelts == 0 || rmcf->endpoints == 0) {
        return NGX_OK;
    }

    return ngx_http_rum_redis_init_process(cycle);
}


static void
ngx_http_rum_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_rum_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rum_module);

    if (rmcf == NULL || rmcf->servers.nelts == 0) {
        return;
    }

    ngx_http_rum_redis_exit_process(cycle);
}
