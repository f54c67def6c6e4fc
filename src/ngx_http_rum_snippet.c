
/*
 * ngx_http_rum_module: the loader snippet (docs/CONTRACTS.md).
 *
 * Two forms: the inline loader, which defines the CRUM stubs and adds the
 * client's script element, and, for pages whose Content-Security-Policy
 * forbids inline scripts and gives no nonce, or asks for Trusted Types
 * (where the loader's script URL assignment would throw), a plain
 * parser-inserted <script async src> that carries the properties in data-
 * attributes, and the nonce when there is one.  Every value that comes
 * from the configuration or from variables is escaped for where it lands:
 * JSON strings with "<", ">", "&", U+2028 and U+2029 escaped too, so that
 * nothing closes the script; attributes HTML-escaped.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_snippet.h"


static char *ngx_http_rum_snippet_prepare_whole(ngx_conf_t *cf,
    ngx_http_rum_snippet_conf_t *scf);
static size_t ngx_http_rum_snippet_member(u_char *dst,
    ngx_http_rum_config_t *rc, ngx_str_t *value, ngx_uint_t attr);
static uint32_t ngx_http_rum_snippet_utf8(u_char **src, u_char *last);
static size_t ngx_http_rum_snippet_json(u_char *dst, u_char *src,
    size_t len);
static size_t ngx_http_rum_snippet_attr(u_char *dst, u_char *src,
    size_t len);
static ngx_uint_t ngx_http_rum_snippet_number(ngx_str_t *value);
static ngx_uint_t ngx_http_rum_snippet_cross(u_char *p, size_t len);
static ngx_int_t ngx_http_rum_snippet_render(ngx_pool_t *pool,
    ngx_http_rum_snippet_conf_t *scf, ngx_str_t *url,
    ngx_http_rum_config_t **dyn, ngx_str_t *values, ngx_uint_t n,
    ngx_str_t *nonce, ngx_uint_t inline_ok, ngx_int_t profiling,
    ngx_str_t *out);


static ngx_str_t  ngx_http_rum_inline_open = ngx_string("<script");

static ngx_str_t  ngx_http_rum_inline_head = ngx_string(
    ">(function(w,d,s,u,o){var c=w[o]=w[o]||{},k={");

static ngx_str_t  ngx_http_rum_inline_body = ngx_string(
    "},n;c.q=c.q||[];"
    "[\"setViewId\",\"addToLabels\",\"addEvent\",\"optOut\",\"optIn\"]"
    ".forEach(function(f){"
    "c[f]=c[f]||function(){c.q.push([f,[].slice.call(arguments)])}});"
    "for(n in k)c[n]=k[n];"

    /*
     * what happens before the client runs: errors, rejections and console
     * calls as [type, arguments, time] in CRUM.e (50 at most), which the
     * client drains into view.console; nothing more once it runs
     */

    "c.e=[];function e(t,a){c.version||c.e.length>49||"
    "c.e.push([t,a,performance.now()])}"
    "addEventListener(\"error\",function(x){e(\"uncaught\","
    "[x.error||x.message,x.filename+\":\"+x.lineno+\":\"+x.colno])});"
    "addEventListener(\"unhandledrejection\",function(x){"
    "e(x.type,[x.reason])});"
    "[\"error\",\"warn\",\"debug\"].forEach(function(t,f){f=console[t];"
    "console[t]=function(){e(t,[].slice.call(arguments));"
    "return f.apply(this,arguments)}});"

    "s=d.createElement(s);s.async=1;s.id=o;s.src=u;");

static ngx_str_t  ngx_http_rum_inline_tail = ngx_string(
    "d.head.appendChild(s)})(window,document,\"script\",");

static ngx_str_t  ngx_http_rum_inline_close = ngx_string(
    ",\"CRUM\")</script>");

static ngx_str_t  ngx_http_rum_attr_open = ngx_string(
    "<script async src=\"");

static ngx_str_t  ngx_http_rum_attr_id = ngx_string(
    "\" id=\"CRUM\" data-crum");

static ngx_str_t  ngx_http_rum_attr_close = ngx_string("></script>");

/* the loader's script tag when the client comes from another host */
static ngx_str_t  ngx_http_rum_inline_cross =
    ngx_string("s.crossOrigin=\"anonymous\";");
static ngx_str_t  ngx_http_rum_attr_cross =
    ngx_string(" crossorigin=\"anonymous\"");


char *
ngx_http_rum_snippet_prepare(ngx_conf_t *cf, ngx_http_rum_loc_conf_t *rlcf,
    ngx_http_rum_snippet_conf_t *scf)
{
    u_char                  *pj, *pa;
    size_t                   json, attr;
    ngx_str_t               *url;
    ngx_uint_t               i;
    ngx_http_rum_config_t   *rc, **dyn;

    url = (rlcf->script_url && rlcf->script_url->lengths == NULL)
          ? &rlcf->script_url->value : NULL;

    if (url) {
        scf->url_json.len = 2 + ngx_http_rum_snippet_json(NULL, url->data,
                                                          url->len);
        scf->url_json.data = ngx_pnalloc(cf->pool, scf->url_json.len);
        scf->url_attr.len = ngx_http_rum_snippet_attr(NULL, url->data,
                                                      url->len);
        scf->url_attr.data = ngx_pnalloc(cf->pool, scf->url_attr.len + 1);

        if (scf->url_json.data == NULL || scf->url_attr.data == NULL) {
            return NGX_CONF_ERROR;
        }

        pj = scf->url_json.data;
        *pj++ = '"';
        pj += ngx_http_rum_snippet_json(pj, url->data, url->len);
        *pj = '"';

        (void) ngx_http_rum_snippet_attr(scf->url_attr.data, url->data,
                                         url->len);

        scf->cross = ngx_http_rum_snippet_cross(url->data, url->len);
    }

    if (rlcf->config == NULL) {
        return ngx_http_rum_snippet_prepare_whole(cf, scf);
    }

    rc = rlcf->config->elts;
    json = 0;
    attr = 0;

    for (i = 0; i < rlcf->config->nelts; i++) {

        if (rc[i].value.lengths) {
            if (scf->dynamic == NULL) {
                scf->dynamic = ngx_array_create(cf->pool, 2,
                                               sizeof(ngx_http_rum_config_t *));
                if (scf->dynamic == NULL) {
                    return NGX_CONF_ERROR;
                }
            }

            dyn = ngx_array_push(scf->dynamic);
            if (dyn == NULL) {
                return NGX_CONF_ERROR;
            }

            *dyn = &rc[i];
            continue;
        }

        json += 1 + ngx_http_rum_snippet_member(NULL, &rc[i],
                                                &rc[i].value.value, 0);
        attr += ngx_http_rum_snippet_member(NULL, &rc[i], &rc[i].value.value,
                                            1);
    }

    pj = ngx_pnalloc(cf->pool, json + 1);
    pa = ngx_pnalloc(cf->pool, attr + 1);
    if (pj == NULL || pa == NULL) {
        return NGX_CONF_ERROR;
    }

    scf->config_json.data = pj;
    scf->config_attr.data = pa;

    for (i = 0; i < rlcf->config->nelts; i++) {

        if (rc[i].value.lengths) {
            continue;
        }

        if (pj != scf->config_json.data) {
            *pj++ = ',';
        }

        pj += ngx_http_rum_snippet_member(pj, &rc[i], &rc[i].value.value, 0);
        pa += ngx_http_rum_snippet_member(pa, &rc[i], &rc[i].value.value, 1);
    }

    scf->config_json.len = pj - scf->config_json.data;
    scf->config_attr.len = pa - scf->config_attr.data;

    return ngx_http_rum_snippet_prepare_whole(cf, scf);
}


/*
 * With nothing that varies per request, both forms are rendered whole
 * now, with each word on profiling; a page without a nonce takes one as
 * it is
 */

static char *
ngx_http_rum_snippet_prepare_whole(ngx_conf_t *cf,
    ngx_http_rum_snippet_conf_t *scf)
{
    ngx_str_t   none;
    ngx_uint_t  i;

    static ngx_int_t  words[3] = { NGX_CONF_UNSET, 1, 0 };

    if (scf->url_json.data == NULL || scf->dynamic) {
        return NGX_CONF_OK;
    }

    ngx_str_null(&none);

    /* in the order of ngx_http_rum_snippet_whole() */

    for (i = 0; i < 3; i++) {
        if (ngx_http_rum_snippet_render(cf->pool, scf, &none, NULL, NULL, 0,
                                        &none, 1, words[i],
                                        &scf->whole_inline[i])
            != NGX_OK
            || ngx_http_rum_snippet_render(cf->pool, scf, &none, NULL, NULL,
                                           0, &none, 0, words[i],
                                           &scf->whole_attr[i])
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * 1 when the client's URL names a host ("//host/...", "https://host/..."):
 * then the loader's script tag is crossorigin, so that the profiler may
 * attribute the client's own frames (the endpoint sends the CORS header)
 */

static ngx_uint_t
ngx_http_rum_snippet_cross(u_char *p, size_t len)
{
    u_char  *last, c;

    last = p + len;

    /* a scheme: a letter, then letters, digits, "+", "-" and "." */

    if (p < last && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {

        for (p++; p < last; p++) {
            c = (u_char) (*p | 0x20);

            if (!((c >= 'a' && c <= 'z') || (*p >= '0' && *p <= '9')
                  || *p == '+' || *p == '-' || *p == '.'))
            {
                break;
            }
        }

        if (p == last || *p != ':') {
            return 0;
        }

        p++;
    }

    return (last - p >= 2 && p[0] == '/' && p[1] == '/');
}


/* the loader, with what varies per request (ngx_http_rum_snippet()) */

ngx_int_t
ngx_http_rum_snippet_render_request(ngx_http_request_t *r,
    ngx_http_rum_loc_conf_t *rlcf, ngx_http_rum_snippet_conf_t *scf,
    ngx_str_t *nonce, ngx_uint_t inline_ok, ngx_int_t profiling,
    ngx_str_t *out)
{
    ngx_str_t                 url, *values;
    ngx_uint_t                i, n;
    ngx_http_rum_config_t   **dyn;

    /* the values of this request */

    if (scf->url_json.data) {
        url.len = 0;
        url.data = NULL;

    } else if (ngx_http_complex_value(r, rlcf->script_url, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    n = scf->dynamic ? scf->dynamic->nelts : 0;
    dyn = n ? scf->dynamic->elts : NULL;
    values = NULL;

    if (n) {
        values = ngx_palloc(r->pool, n * sizeof(ngx_str_t));
        if (values == NULL) {
            return NGX_ERROR;
        }

        for (i = 0; i < n; i++) {
            if (ngx_http_complex_value(r, &dyn[i]->value, &values[i])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return ngx_http_rum_snippet_render(r->pool, scf, &url, dyn, values, n,
                                       nonce, inline_ok, profiling, out);
}


static ngx_int_t
ngx_http_rum_snippet_render(ngx_pool_t *pool,
    ngx_http_rum_snippet_conf_t *scf, ngx_str_t *url,
    ngx_http_rum_config_t **dyn, ngx_str_t *values, ngx_uint_t n,
    ngx_str_t *nonce, ngx_uint_t inline_ok, ngx_int_t profiling,
    ngx_str_t *out)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i, first, cross;

    cross = scf->url_json.data ? scf->cross
                               : ngx_http_rum_snippet_cross(url->data,
                                                            url->len);

    /* the length, then the bytes */

    if (inline_ok) {
        len = ngx_http_rum_inline_open.len + ngx_http_rum_inline_head.len
              + scf->config_json.len + ngx_http_rum_inline_body.len
              + ngx_http_rum_inline_tail.len + ngx_http_rum_inline_close.len;

        if (nonce->len) {
            len += sizeof(" nonce=\"\"") - 1 + sizeof("s.nonce=\"\";") - 1
                   + 2 * nonce->len;
        }

        len += scf->url_json.data
               ? scf->url_json.len
               : 2 + ngx_http_rum_snippet_json(NULL, url->data, url->len);

        for (i = 0; i < n; i++) {
            len += 1 + ngx_http_rum_snippet_member(NULL, dyn[i], &values[i],
                                                   0);
        }

        if (profiling != NGX_CONF_UNSET) {
            len += sizeof(",\"profiling\":false") - 1;
        }

        if (cross) {
            len += ngx_http_rum_inline_cross.len;
        }

    } else {
        len = ngx_http_rum_attr_open.len + ngx_http_rum_attr_id.len
              + scf->config_attr.len + ngx_http_rum_attr_close.len;

        if (nonce->len) {
            len += sizeof(" nonce=\"\"") - 1 + nonce->len;
        }

        len += scf->url_json.data
               ? scf->url_attr.len
               : ngx_http_rum_snippet_attr(NULL, url->data, url->len);

        for (i = 0; i < n; i++) {
            len += ngx_http_rum_snippet_member(NULL, dyn[i], &values[i], 1);
        }

        if (profiling != NGX_CONF_UNSET) {
            len += sizeof(" data-profiling=\"false\"") - 1;
        }

        if (cross) {
            len += ngx_http_rum_attr_cross.len;
        }
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    if (!inline_ok) {
        p = ngx_cpymem(p, ngx_http_rum_attr_open.data,
                       ngx_http_rum_attr_open.len);

        if (scf->url_json.data) {
            p = ngx_cpymem(p, scf->url_attr.data, scf->url_attr.len);

        } else {
            p += ngx_http_rum_snippet_attr(p, url->data, url->len);
        }

        p = ngx_cpymem(p, ngx_http_rum_attr_id.data,
                       ngx_http_rum_attr_id.len);

        if (cross) {
            p = ngx_cpymem(p, ngx_http_rum_attr_cross.data,
                           ngx_http_rum_attr_cross.len);
        }

        if (nonce->len) {
            p = ngx_cpymem(p, " nonce=\"", sizeof(" nonce=\"") - 1);
            p = ngx_cpymem(p, nonce->data, nonce->len);
            *p++ = '"';
        }
        if (scf->config_attr.len) {
            p = ngx_cpymem(p, scf->config_attr.data, scf->config_attr.len);
        }

        for (i = 0; i < n; i++) {
            p += ngx_http_rum_snippet_member(p, dyn[i], &values[i], 1);
        }

        if (profiling == 1) {
            p = ngx_cpymem(p, " data-profiling=\"true\"",
                           sizeof(" data-profiling=\"true\"") - 1);

        } else if (profiling == 0) {
            p = ngx_cpymem(p, " data-profiling=\"false\"",
                           sizeof(" data-profiling=\"false\"") - 1);
        }

        p = ngx_cpymem(p, ngx_http_rum_attr_close.data,
                       ngx_http_rum_attr_close.len);

        out->len = p - out->data;

        return NGX_OK;
    }

    p = ngx_cpymem(p, ngx_http_rum_inline_open.data,
                   ngx_http_rum_inline_open.len);

    if (nonce->len) {
        p = ngx_cpymem(p, " nonce=\"", sizeof(" nonce=\"") - 1);
        p = ngx_cpymem(p, nonce->data, nonce->len);
        *p++ = '"';
    }

    p = ngx_cpymem(p, ngx_http_rum_inline_head.data,
                   ngx_http_rum_inline_head.len);
    if (scf->config_json.len) {
        p = ngx_cpymem(p, scf->config_json.data, scf->config_json.len);
    }

    first = (scf->config_json.len == 0);

    for (i = 0; i < n; i++) {
        if (!first) {
            *p++ = ',';
        }

        first = 0;
        p += ngx_http_rum_snippet_member(p, dyn[i], &values[i], 0);
    }

    if (profiling != NGX_CONF_UNSET) {
        if (!first) {
            *p++ = ',';
        }

        p = (profiling == 1)
            ? ngx_cpymem(p, "\"profiling\":true",
                         sizeof("\"profiling\":true") - 1)
            : ngx_cpymem(p, "\"profiling\":false",
                         sizeof("\"profiling\":false") - 1);
    }

    p = ngx_cpymem(p, ngx_http_rum_inline_body.data,
                   ngx_http_rum_inline_body.len);

    if (nonce->len) {
        p = ngx_cpymem(p, "s.nonce=\"", sizeof("s.nonce=\"") - 1);
        p = ngx_cpymem(p, nonce->data, nonce->len);
        *p++ = '"';
        *p++ = ';';
    }

    if (cross) {
        p = ngx_cpymem(p, ngx_http_rum_inline_cross.data,
                       ngx_http_rum_inline_cross.len);
    }

    p = ngx_cpymem(p, ngx_http_rum_inline_tail.data,
                   ngx_http_rum_inline_tail.len);

    if (scf->url_json.data) {
        p = ngx_cpymem(p, scf->url_json.data, scf->url_json.len);

    } else {
        *p++ = '"';
        p += ngx_http_rum_snippet_json(p, url->data, url->len);
        *p++ = '"';
    }

    p = ngx_cpymem(p, ngx_http_rum_inline_close.data,
                   ngx_http_rum_inline_close.len);

    out->len = p - out->data;

    return NGX_OK;
}


/*
 * One property: "name":value in JSON, or  data-kebab-name="value"  as an
 * attribute.  Numbers and booleans that are not valid become strings.
 * With dst NULL, the length only.
 */

static size_t
ngx_http_rum_snippet_member(u_char *dst, ngx_http_rum_config_t *rc,
    ngx_str_t *value, ngx_uint_t attr)
{
    u_char      *p, c;
    size_t       len;
    ngx_uint_t   i, literal;

    literal = 0;

    if (rc->type == NGX_HTTP_RUM_CONFIG_NUMBER) {
        literal = ngx_http_rum_snippet_number(value);

    } else if (rc->type == NGX_HTTP_RUM_CONFIG_BOOLEAN) {
        literal = (value->len == 4 && ngx_strncmp(value->data, "true", 4) == 0)
                  || (value->len == 5
                      && ngx_strncmp(value->data, "false", 5) == 0);
    }

    if (attr) {
        len = sizeof(" data-=\"\"") - 1 + rc->name.len;

        for (i = 0; i < rc->name.len; i++) {
            if (rc->name.data[i] >= 'A' && rc->name.data[i] <= 'Z') {
                len++;
            }
        }

        if (dst == NULL) {
            return len + ngx_http_rum_snippet_attr(NULL, value->data,
                                                    value->len);
        }

        p = ngx_cpymem(dst, " data-", sizeof(" data-") - 1);

        for (i = 0; i < rc->name.len; i++) {
            c = rc->name.data[i];

            if (c >= 'A' && c <= 'Z') {
                *p++ = '-';
                c |= 0x20;
            }

            *p++ = c;
        }

        *p++ = '=';
        *p++ = '"';
        p += ngx_http_rum_snippet_attr(p, value->data, value->len);
        *p++ = '"';

        return p - dst;
    }

    len = rc->name.len + sizeof("\"\":") - 1;

    if (literal) {
        len += value->len;

    } else {
        len += 2 + ngx_http_rum_snippet_json(NULL, value->data, value->len);
    }

    if (dst == NULL) {
        return len;
    }

    p = dst;
    *p++ = '"';
    p = ngx_cpymem(p, rc->name.data, rc->name.len);
    *p++ = '"';
    *p++ = ':';

    if (literal) {
        p = ngx_cpymem(p, value->data, value->len);

    } else {
        *p++ = '"';
        p += ngx_http_rum_snippet_json(p, value->data, value->len);
        *p++ = '"';
    }

    return p - dst;
}


/* a JSON number that is also what the client expects: 12, 0.5, 100.0 */

static ngx_uint_t
ngx_http_rum_snippet_number(ngx_str_t *value)
{
    u_char  *p, *last;

    p = value->data;
    last = p + value->len;

    if (p == last || *p < '0' || *p > '9') {
        return 0;
    }

    if (*p == '0' && p + 1 < last && p[1] != '.') {
        return 0;
    }

    while (p < last && *p >= '0' && *p <= '9') {
        p++;
    }

    if (p < last && *p == '.') {
        p++;

        if (p == last) {
            return 0;
        }

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    return p == last;
}


/*
 * Output that goes into a page is ASCII only: on a page in a legacy
 * multibyte charset (Shift_JIS, GBK, Big5) a raw byte above 0x7f may take
 * the next byte, a backslash or a quote, into one character.  Characters
 * beyond ASCII are written as escapes; bytes that are not UTF-8 as U+FFFD.
 * One character is decoded here, strictly: no overlong forms, no
 * surrogates, nothing above U+10FFFF; a bad sequence takes one byte.
 */

static uint32_t
ngx_http_rum_snippet_utf8(u_char **src, u_char *last)
{
    u_char    *p;
    size_t     len, i;
    uint32_t   c, min;

    p = *src;
    c = *p++;

    if (c >= 0xc2 && c <= 0xdf) {
        len = 1;
        c &= 0x1f;
        min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        len = 2;
        c &= 0x0f;
        min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 3;
        c &= 0x07;
        min = 0x10000;

    } else {
        *src = p;
        return 0xfffd;
    }

    if ((size_t) (last - p) < len) {
        *src = p;
        return 0xfffd;
    }

    for (i = 0; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *src = p;
            return 0xfffd;
        }

        c = (c << 6) | (p[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        *src = p;
        return 0xfffd;
    }

    *src = p + len;

    return c;
}


/*
 * The inside of a JSON string that is safe in a <script> of any charset:
 * "<", ">", "&", controls and everything beyond ASCII as \uXXXX (pairs of
 * surrogates above U+FFFF).  With dst NULL, the length only.
 */

static size_t
ngx_http_rum_snippet_json(u_char *dst, u_char *src, size_t len)
{
    u_char        *p, *last;
    size_t         n;
    uint32_t       c;
    static u_char  hex[] = "0123456789abcdef";

    n = 0;
    p = dst;
    last = src + len;

    while (src < last) {
        c = *src;

        if (c >= 0x80) {
            c = ngx_http_rum_snippet_utf8(&src, last);

            if (c > 0xffff) {
                c -= 0x10000;

                if (dst) {
                    p = ngx_sprintf(p, "\\u%04xD\\u%04xD",
                                    0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
                }

                n += 12;
                continue;
            }

            if (dst) {
                p = ngx_sprintf(p, "\\u%04xD", c);
            }

            n += 6;
            continue;
        }

        src++;

        if (c == '"' || c == '\\') {
            if (dst) {
                *p++ = '\\';
                *p++ = (u_char) c;
            }

            n += 2;
            continue;
        }

        if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
            if (dst) {
                p = ngx_cpymem(p, "\\u00", 4);
                *p++ = hex[c >> 4];
                *p++ = hex[c & 0xf];
            }

            n += 6;
            continue;
        }

        if (dst) {
            *p++ = (u_char) c;
        }

        n++;
    }

    return n;
}


/*
 * The inside of a double-quoted HTML attribute, ASCII only: characters
 * beyond ASCII as &#xHHHH;.  With dst NULL, the length only.
 */

static size_t
ngx_http_rum_snippet_attr(u_char *dst, u_char *src, size_t len)
{
    u_char      *p, *last, *e;
    size_t       n;
    uint32_t     c;
    const char  *ent;
    u_char       num[sizeof("&#x10ffff;")];

    n = 0;
    p = dst;
    last = src + len;

    while (src < last) {
        c = *src;

        if (c >= 0x80) {
            c = ngx_http_rum_snippet_utf8(&src, last);

            e = ngx_sprintf(num, "&#x%xD;", c);

            if (dst) {
                p = ngx_cpymem(p, num, e - num);
            }

            n += e - num;
            continue;
        }

        src++;

        switch (c) {

        case '&':
            ent = "&amp;";
            break;

        case '"':
            ent = "&quot;";
            break;

        case '\'':
            ent = "&#39;";
            break;

        case '<':
            ent = "&lt;";
            break;

        case '>':
            ent = "&gt;";
            break;

        default:
            if (dst) {
                *p++ = (u_char) c;
            }

            n++;
            continue;
        }

        len = ngx_strlen(ent);

        if (dst) {
            p = ngx_cpymem(p, ent, len);
        }

        n += len;
    }

    return n;
}
