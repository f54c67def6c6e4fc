
/*
 * ngx_http_rum_module: the beacon parser.
 *
 * One yajl pass over the body validates it and extracts the fields named by
 * the compiled rules.  The rules form a tree of key names; the parser keeps,
 * for each open container, the tree node its key path has reached (or none),
 * so a key costs one look-up among the children of one node, and keys under
 * a path no rule goes through are not compared at all.
 *
 * yajl's own UTF-8 check is turned off: it accepts overlong forms,
 * surrogates and code points past U+10FFFF.  The body is checked strictly
 * here instead (RFC 3629), as a whole and at once, and escaped surrogates
 * string by string.
 */


#include <stdint.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "ngx_http_rum_beacon.h"


#define NGX_HTTP_RUM_NONE        0xffffffff

#define NGX_HTTP_RUM_TOP_ID      1
#define NGX_HTTP_RUM_TOP_KIND    2
#define NGX_HTTP_RUM_TOP_SEQ     3

#define NGX_HTTP_RUM_STRING      0
#define NGX_HTTP_RUM_NUMBER      1
#define NGX_HTTP_RUM_OTHER       2

/* keeps the slow paths out of the callbacks run for every token */
#if defined(__GNUC__)
#define NGX_HTTP_RUM_NOINLINE  __attribute__((noinline))
#else
#define NGX_HTTP_RUM_NOINLINE
#endif

/*
 * yajl hands a key or a string that has escapes over from its own buffer,
 * and any other one as a pointer into the body (an empty one too)
 */
#define ngx_http_rum_beacon_unstable(ctx, p)                                 \
    ((uintptr_t) (p) - (uintptr_t) (ctx)->data >= (ctx)->len)

#define ngx_http_rum_beacon_suspect(ctx, p, n, max)                          \
    ((n) > (max) || (ctx)->check_utf8 || ngx_http_rum_beacon_unstable(ctx, p))

#define ngx_http_rum_align_ptr(p, a)                                         \
    (u_char *) (((uintptr_t) (p) + ((uintptr_t) (a) - 1))                    \
                & ~((uintptr_t) (a) - 1))


typedef struct {
    const u_char                  *key;
    size_t                         key_len;
    uint32_t                       child;      /* first child or NONE */
    uint32_t                       next;       /* next sibling or NONE */
    uint32_t                       rule;       /* rule of this value or NONE */
    uint32_t                       wildcard;   /* extract scalar members */
} ngx_http_rum_extract_node_t;


typedef struct {
    const u_char                  *name;
    size_t                         name_len;
} ngx_http_rum_extract_rule_t;


struct ngx_http_rum_extract_s {
    ngx_http_rum_extract_node_t   *nodes;      /* nodes[0] is the root */
    uint32_t                       nnodes;
    ngx_http_rum_extract_rule_t   *rules;
    uint32_t                       nrules;
    uint32_t                       max_fields;
};


typedef struct {
    ngx_http_rum_beacon_t         *beacon;
    const ngx_http_rum_extract_t  *spec;
    const u_char                  *data;
    size_t                         len;
    ngx_http_rum_alloc_pt          alloc;
    void                          *alloc_ctx;
    yajl_handle                    yajl;
    int                            rc;
    unsigned                       check_utf8; /* the body is not UTF-8 */
    unsigned                       live;       /* a rule may take the value */

    uint32_t                       depth;
    uint32_t                       node;       /* the next value's node */
    uint32_t                       top;        /* it is id, kind or seq */
    const u_char                  *key;        /* its name, under a wildcard */
    size_t                         key_len;
    u_char                         key_buf[NGX_HTTP_RUM_BEACON_MAX_KEY];

    /* the node of each open container, NONE when no rule goes below */
    uint32_t                       stack[NGX_HTTP_RUM_BEACON_MAX_DEPTH + 1];
} ngx_http_rum_beacon_ctx_t;


static void *ngx_http_rum_beacon_alloc(ngx_http_rum_alloc_pt alloc, void *ctx,
    size_t size);
static int ngx_http_rum_extract_name(const u_char *name, size_t len);

static int ngx_http_rum_beacon_null(void *data);
static int ngx_http_rum_beacon_boolean(void *data, int value);
static int ngx_http_rum_beacon_number(void *data, const char *s, size_t len);
static int ngx_http_rum_beacon_string(void *data, const u_char *s,
    size_t len);
static int ngx_http_rum_beacon_start_map(void *data);
static int ngx_http_rum_beacon_map_key(void *data, const u_char *key,
    size_t len);
static int ngx_http_rum_beacon_string_slow(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char *s, size_t len);
static int ngx_http_rum_beacon_key_slow(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char *key, size_t len);
static int ngx_http_rum_beacon_match(ngx_http_rum_beacon_ctx_t *ctx,
    uint32_t parent, const u_char *key, size_t len);
static int ngx_http_rum_beacon_start_array(void *data);
static int ngx_http_rum_beacon_end(void *data);

static int ngx_http_rum_beacon_scalar(ngx_http_rum_beacon_ctx_t *ctx,
    int type, const u_char *value, size_t len);
static int ngx_http_rum_beacon_top(ngx_http_rum_beacon_ctx_t *ctx, int type,
    const u_char **value, size_t len);
static int ngx_http_rum_beacon_emit(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char *name, size_t name_len, const u_char **value, size_t len);
static int ngx_http_rum_beacon_keep(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char **p, size_t len);
static int ngx_http_rum_beacon_text(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char *s, size_t len, size_t max);
static int ngx_http_rum_beacon_utf8(const u_char *p, size_t len);
static int ngx_http_rum_beacon_escapes(ngx_http_rum_beacon_ctx_t *ctx);
static uint32_t ngx_http_rum_beacon_hex4(const u_char *p);


static const yajl_callbacks  ngx_http_rum_beacon_callbacks = {
    ngx_http_rum_beacon_null,
    ngx_http_rum_beacon_boolean,
    NULL,
    NULL,
    ngx_http_rum_beacon_number,
    ngx_http_rum_beacon_string,
    ngx_http_rum_beacon_start_map,
    ngx_http_rum_beacon_map_key,
    ngx_http_rum_beacon_end,
    ngx_http_rum_beacon_start_array,
    ngx_http_rum_beacon_end
};


static const char  *ngx_http_rum_beacon_errors[] = {
    "ok",
    "invalid",
    "not_object",
    "too_deep",
    "too_long",
    "utf8",
    "field",
    "nomem"
};


static const u_char  *ngx_http_rum_extract_default_names[] = {
    (const u_char *) "session",
    (const u_char *) "view",
    (const u_char *) "url",
    (const u_char *) "*"
};

static const u_char  *ngx_http_rum_extract_default_paths[] = {
    (const u_char *) "session.id",
    (const u_char *) "view.id",
    (const u_char *) "view.href",
    (const u_char *) "metrics.*"
};

static const size_t  ngx_http_rum_extract_default_name_lens[] = {
    7, 4, 3, 1
};

static const size_t  ngx_http_rum_extract_default_path_lens[] = {
    10, 7, 9, 9
};


ngx_http_rum_extract_t *
ngx_http_rum_extract_create(const u_char **names, const size_t *name_lens,
    const u_char **paths, const size_t *path_lens, size_t n,
    ngx_http_rum_alloc_pt alloc, void *ctx, const char **err)
{
    int                           wild;
    u_char                       *key;
    size_t                        i, nnodes, seg_len, depth;
    uint32_t                      node, child, *link;
    const u_char                 *p, *end, *dot;
    ngx_http_rum_extract_t       *spec;
    ngx_http_rum_extract_node_t  *nd;
    ngx_http_rum_extract_rule_t  *rule;

    if (n == 0) {
        names = ngx_http_rum_extract_default_names;
        name_lens = ngx_http_rum_extract_default_name_lens;
        paths = ngx_http_rum_extract_default_paths;
        path_lens = ngx_http_rum_extract_default_path_lens;
        n = sizeof(ngx_http_rum_extract_default_names) / sizeof(u_char *);
    }

    if (n > NGX_HTTP_RUM_BEACON_MAX_FIELDS) {
        *err = "too many rules (64 at most)";
        return NULL;
    }

    nnodes = 1;

    for (i = 0; i < n; i++) {
        nnodes++;

        for (p = paths[i]; p < paths[i] + path_lens[i]; p++) {
            if (*p == '.') {
                nnodes++;
            }
        }
    }

    spec = ngx_http_rum_beacon_alloc(alloc, ctx, sizeof(*spec));
    if (spec == NULL) {
        goto nomem;
    }

    spec->nodes = ngx_http_rum_beacon_alloc(alloc, ctx,
                                  nnodes * sizeof(ngx_http_rum_extract_node_t));
    spec->rules = ngx_http_rum_beacon_alloc(alloc, ctx,
                                  n * sizeof(ngx_http_rum_extract_rule_t));
    if (spec->nodes == NULL || spec->rules == NULL) {
        goto nomem;
    }

    nd = spec->nodes;
    nd[0].key = NULL;
    nd[0].key_len = 0;
    nd[0].child = NGX_HTTP_RUM_NONE;
    nd[0].next = NGX_HTTP_RUM_NONE;
    nd[0].rule = NGX_HTTP_RUM_NONE;
    nd[0].wildcard = 0;

    spec->nnodes = 1;
    spec->nrules = 0;
    spec->max_fields = 0;

    for (i = 0; i < n; i++) {

        wild = (name_lens[i] == 1 && names[i][0] == '*');

        if (!wild) {
            if (!ngx_http_rum_extract_name(names[i], name_lens[i])) {
                *err = "invalid field name: 1 to 64 of A-Z a-z 0-9 _ . : -";
                return NULL;
            }

            if (ngx_http_rum_beacon_reserved(names[i], name_lens[i])) {
                *err = "reserved field name (v, ts, id, kind, seq, payload)";
                return NULL;
            }
        }

        node = 0;
        depth = 0;
        p = paths[i];
        end = p + path_lens[i];

        for ( ;; ) {
            dot = memchr(p, '.', end - p);
            if (dot == NULL) {
                dot = end;
            }

            seg_len = dot - p;

            if (memchr(p, '[', seg_len) || memchr(p, ']', seg_len)) {
                *err = "arrays are not indexed: a path names object keys "
                       "only (\"view.id\")";
                return NULL;
            }

            if (seg_len == 0) {
                *err = "empty part in the path";
                return NULL;
            }

            if (dot == end && wild) {
                if (seg_len != 1 || *p != '*') {
                    *err = "the field name \"*\" takes a path ending in \"*\"";
                    return NULL;
                }

                if (nd[node].wildcard) {
                    *err = "duplicate path";
                    return NULL;
                }

                nd[node].wildcard = 1;
                spec->max_fields = NGX_HTTP_RUM_BEACON_MAX_FIELDS;
                break;
            }

            if (memchr(p, '*', seg_len) != NULL) {
                *err = "\"*\" only as the last part of a path, "
                       "with the field name \"*\"";
                return NULL;
            }

            if (seg_len > NGX_HTTP_RUM_BEACON_MAX_KEY) {
                *err = "a part of the path is longer than 256 bytes";
                return NULL;
            }

            if (++depth > NGX_HTTP_RUM_BEACON_MAX_DEPTH) {
                *err = "the path is deeper than 32";
                return NULL;
            }

            link = &nd[node].child;

            for (child = *link; child != NGX_HTTP_RUM_NONE; child = *link) {
                if (nd[child].key_len == seg_len
                    && memcmp(nd[child].key, p, seg_len) == 0)
                {
                    break;
                }

                link = &nd[child].next;
            }

            if (child == NGX_HTTP_RUM_NONE) {
                key = alloc(ctx, seg_len);
                if (key == NULL) {
                    goto nomem;
                }

                memcpy(key, p, seg_len);

                child = spec->nnodes++;
                nd[child].key = key;
                nd[child].key_len = seg_len;
                nd[child].child = NGX_HTTP_RUM_NONE;
                nd[child].next = NGX_HTTP_RUM_NONE;
                nd[child].rule = NGX_HTTP_RUM_NONE;
                nd[child].wildcard = 0;
                *link = child;
            }

            node = child;

            if (dot == end) {
                if (nd[node].rule != NGX_HTTP_RUM_NONE) {
                    *err = "duplicate path";
                    return NULL;
                }

                key = alloc(ctx, name_lens[i]);
                if (key == NULL) {
                    goto nomem;
                }

                memcpy(key, names[i], name_lens[i]);

                rule = &spec->rules[spec->nrules];
                rule->name = key;
                rule->name_len = name_lens[i];

                nd[node].rule = spec->nrules++;

                if (spec->max_fields < NGX_HTTP_RUM_BEACON_MAX_FIELDS) {
                    spec->max_fields++;
                }

                break;
            }

            p = dot + 1;
        }
    }

    return spec;

nomem:

    *err = "out of memory";
    return NULL;
}


static void *
ngx_http_rum_beacon_alloc(ngx_http_rum_alloc_pt alloc, void *ctx, size_t size)
{
    u_char  *p;

    p = alloc(ctx, size + sizeof(void *) - 1);
    if (p == NULL) {
        return NULL;
    }

    return ngx_http_rum_align_ptr(p, sizeof(void *));
}


static int
ngx_http_rum_extract_name(const u_char *name, size_t len)
{
    u_char  c;
    size_t  i;

    if (len == 0 || len > NGX_HTTP_RUM_BEACON_MAX_NAME) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = name[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '_' || c == '.' || c == ':' || c == '-')
        {
            continue;
        }

        return 0;
    }

    return 1;
}


/* the stream entry's own fields */

int
ngx_http_rum_beacon_reserved(const u_char *name, size_t len)
{
    switch (len) {

    case 1:
        return name[0] == 'v';

    case 2:
        return memcmp(name, "ts", 2) == 0 || memcmp(name, "id", 2) == 0;

    case 3:
        return memcmp(name, "seq", 3) == 0;

    case 4:
        return memcmp(name, "kind", 4) == 0;

    case 7:
        return memcmp(name, "payload", 7) == 0;

    default:
        return 0;
    }
}


int
ngx_http_rum_beacon_parse(ngx_http_rum_beacon_t *b,
    const ngx_http_rum_extract_t *spec, const u_char *data, size_t len,
    ngx_http_rum_alloc_pt alloc, void *actx)
{
    yajl_handle                 h;
    yajl_status                 status;
    ngx_http_rum_beacon_ctx_t   ctx;

    memset(b, 0, sizeof(ngx_http_rum_beacon_t));

    if (len == 0) {
        return NGX_HTTP_RUM_BEACON_INVALID;
    }

    ctx.beacon = b;
    ctx.spec = spec;
    ctx.data = data;
    ctx.len = len;
    ctx.alloc = alloc;
    ctx.alloc_ctx = actx;
    ctx.rc = NGX_HTTP_RUM_BEACON_INVALID;
    ctx.live = 1;
    ctx.depth = 0;
    ctx.node = 0;           /* the top-level object is the root */
    ctx.top = 0;
    ctx.key = NULL;
    ctx.key_len = 0;
    ctx.stack[0] = NGX_HTTP_RUM_NONE;

    /*
     * The keys and strings of a body that is valid UTF-8 as a whole are
     * valid: they are checked one by one only when it is not, so that a bad
     * byte outside strings stays yajl's error, "invalid".
     */

    ctx.check_utf8 = !ngx_http_rum_beacon_utf8(data, len);

    h = yajl_alloc(&ngx_http_rum_beacon_callbacks, NULL, &ctx);
    if (h == NULL) {
        return NGX_HTTP_RUM_BEACON_NOMEM;
    }

    ctx.yajl = h;

    /* checked strictly here instead */
    yajl_config(h, yajl_dont_validate_strings, 1);
    yajl_config(h, yajl_allow_comments, 0);

    status = yajl_parse(h, data, len);

    if (status == yajl_status_ok) {
        status = yajl_complete_parse(h);
        b->error_offset = len;

    } else {
        b->error_offset = yajl_get_bytes_consumed(h);
    }

    yajl_free(h);

    switch (status) {

    case yajl_status_ok:
        return NGX_HTTP_RUM_BEACON_OK;

    case yajl_status_client_canceled:
        return ctx.rc;

    default:
        return NGX_HTTP_RUM_BEACON_INVALID;
    }
}


const char *
ngx_http_rum_beacon_strerror(int rc)
{
    if (rc < 0 || rc >= NGX_HTTP_RUM_BEACON_NERRORS) {
        return "unknown";
    }

    return ngx_http_rum_beacon_errors[rc];
}


static int
ngx_http_rum_beacon_null(void *data)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    if (!ctx->live) {
        return 1;
    }

    return ngx_http_rum_beacon_scalar(ctx, NGX_HTTP_RUM_OTHER, NULL, 0);
}


static int
ngx_http_rum_beacon_boolean(void *data, int value)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    if (!ctx->live) {
        return 1;
    }

    if (value) {
        return ngx_http_rum_beacon_scalar(ctx, NGX_HTTP_RUM_OTHER,
                                          (const u_char *) "true", 4);
    }

    return ngx_http_rum_beacon_scalar(ctx, NGX_HTTP_RUM_OTHER,
                                      (const u_char *) "false", 5);
}


static int
ngx_http_rum_beacon_number(void *data, const char *s, size_t len)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    if (!ctx->live) {
        return 1;
    }

    return ngx_http_rum_beacon_scalar(ctx, NGX_HTTP_RUM_NUMBER,
                                      (const u_char *) s, len);
}


static int
ngx_http_rum_beacon_string(void *data, const u_char *s, size_t len)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    if (ngx_http_rum_beacon_suspect(ctx, s, len,
                                    NGX_HTTP_RUM_BEACON_MAX_STRING))
    {
        return ngx_http_rum_beacon_string_slow(ctx, s, len);
    }

    if (!ctx->live) {
        return 1;
    }

    return ngx_http_rum_beacon_scalar(ctx, NGX_HTTP_RUM_STRING, s, len);
}


/* the slow paths are apart: the callbacks for each token call nothing else */

static NGX_HTTP_RUM_NOINLINE int
ngx_http_rum_beacon_string_slow(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char *s, size_t len)
{
    if (!ngx_http_rum_beacon_text(ctx, s, len,
                                  NGX_HTTP_RUM_BEACON_MAX_STRING))
    {
        return 0;
    }

    if (!ctx->live) {
        return 1;
    }

    return ngx_http_rum_beacon_scalar(ctx, NGX_HTTP_RUM_STRING, s, len);
}


static int
ngx_http_rum_beacon_start_map(void *data)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    uint32_t                            node;
    const ngx_http_rum_extract_node_t  *nd;

    if (ctx->top) {
        ctx->rc = NGX_HTTP_RUM_BEACON_FIELD;
        return 0;
    }

    if (++ctx->depth > NGX_HTTP_RUM_BEACON_MAX_DEPTH) {
        ctx->rc = NGX_HTTP_RUM_BEACON_TOO_DEEP;
        return 0;
    }

    node = ctx->node;

    if (node != NGX_HTTP_RUM_NONE && node != 0) {
        nd = &ctx->spec->nodes[node];

        if (nd->child == NGX_HTTP_RUM_NONE && !nd->wildcard) {
            node = NGX_HTTP_RUM_NONE;
        }
    }

    ctx->stack[ctx->depth] = node;
    ctx->node = NGX_HTTP_RUM_NONE;
    ctx->key = NULL;
    ctx->live = 0;

    return 1;
}


static int
ngx_http_rum_beacon_map_key(void *data, const u_char *key, size_t len)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    uint32_t  parent;

    if (ngx_http_rum_beacon_suspect(ctx, key, len,
                                    NGX_HTTP_RUM_BEACON_MAX_KEY))
    {
        return ngx_http_rum_beacon_key_slow(ctx, key, len);
    }

    parent = ctx->stack[ctx->depth];

    if (parent == NGX_HTTP_RUM_NONE) {
        return 1;
    }

    return ngx_http_rum_beacon_match(ctx, parent, key, len);
}


static NGX_HTTP_RUM_NOINLINE int
ngx_http_rum_beacon_key_slow(ngx_http_rum_beacon_ctx_t *ctx,
    const u_char *key, size_t len)
{
    uint32_t  parent;

    if (!ngx_http_rum_beacon_text(ctx, key, len,
                                  NGX_HTTP_RUM_BEACON_MAX_KEY))
    {
        return 0;
    }

    parent = ctx->stack[ctx->depth];

    if (parent == NGX_HTTP_RUM_NONE) {
        return 1;
    }

    return ngx_http_rum_beacon_match(ctx, parent, key, len);
}


/* a key in an object some rule goes through; the root is never NONE */

static NGX_HTTP_RUM_NOINLINE int
ngx_http_rum_beacon_match(ngx_http_rum_beacon_ctx_t *ctx, uint32_t parent,
    const u_char *key, size_t len)
{
    uint32_t                            i;
    const ngx_http_rum_extract_node_t  *nd;

    if (ctx->depth == 1) {
        if (len == 2 && key[0] == 'i' && key[1] == 'd') {
            ctx->top = NGX_HTTP_RUM_TOP_ID;

        } else if (len == 4 && memcmp(key, "kind", 4) == 0) {
            ctx->top = NGX_HTTP_RUM_TOP_KIND;

        } else if (len == 3 && memcmp(key, "seq", 3) == 0) {
            ctx->top = NGX_HTTP_RUM_TOP_SEQ;

        } else {
            ctx->top = 0;
        }
    }

    nd = ctx->spec->nodes;

    for (i = nd[parent].child; i != NGX_HTTP_RUM_NONE; i = nd[i].next) {
        if (nd[i].key_len == len
            && nd[i].key[0] == key[0]
            && memcmp(nd[i].key, key, len) == 0)
        {
            break;
        }
    }

    ctx->node = i;

    if (!nd[parent].wildcard
        || len == 0
        || ngx_http_rum_beacon_reserved(key, len))
    {
        ctx->key = NULL;
        ctx->live = (i != NGX_HTTP_RUM_NONE || ctx->top);
        return 1;
    }

    /*
     * an escaped key lives in yajl's buffer, which an escaped value reuses:
     * keep it aside, and copy it only if it becomes a field
     */

    if (ngx_http_rum_beacon_unstable(ctx, key)) {
        memcpy(ctx->key_buf, key, len);
        key = ctx->key_buf;
    }

    ctx->key = key;
    ctx->key_len = len;
    ctx->live = 1;

    return 1;
}


static int
ngx_http_rum_beacon_start_array(void *data)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    if (ctx->depth == 0) {
        ctx->rc = NGX_HTTP_RUM_BEACON_NOT_OBJECT;
        return 0;
    }

    if (ctx->top) {
        ctx->rc = NGX_HTTP_RUM_BEACON_FIELD;
        return 0;
    }

    if (++ctx->depth > NGX_HTTP_RUM_BEACON_MAX_DEPTH) {
        ctx->rc = NGX_HTTP_RUM_BEACON_TOO_DEEP;
        return 0;
    }

    /* arrays are not indexed: no path goes through them */

    ctx->stack[ctx->depth] = NGX_HTTP_RUM_NONE;
    ctx->node = NGX_HTTP_RUM_NONE;
    ctx->key = NULL;
    ctx->live = 0;

    return 1;
}


static int
ngx_http_rum_beacon_end(void *data)
{
    ngx_http_rum_beacon_ctx_t *ctx = data;

    ctx->depth--;
    ctx->node = NGX_HTTP_RUM_NONE;
    ctx->key = NULL;
    ctx->live = 0;

    return 1;
}


static NGX_HTTP_RUM_NOINLINE int
ngx_http_rum_beacon_scalar(ngx_http_rum_beacon_ctx_t *ctx, int type,
    const u_char *value, size_t len)
{
    uint32_t                       node, rule;
    const ngx_http_rum_extract_t  *spec;

    if (ctx->depth == 0) {
        ctx->rc = NGX_HTTP_RUM_BEACON_NOT_OBJECT;
        return 0;
    }

    if (ctx->top && !ngx_http_rum_beacon_top(ctx, type, &value, len)) {
        return 0;
    }

    if (value == NULL) {
        return 1;
    }

    node = ctx->node;

    if (node != NGX_HTTP_RUM_NONE) {
        spec = ctx->spec;
        rule = spec->nodes[node].rule;

        if (rule != NGX_HTTP_RUM_NONE
            && !ngx_http_rum_beacon_emit(ctx, spec->rules[rule].name,
                                         spec->rules[rule].name_len,
                                         &value, len))
        {
            return 0;
        }
    }

    if (ctx->key != NULL
        && !ngx_http_rum_beacon_emit(ctx, ctx->key, ctx->key_len, &value, len))
    {
        return 0;
    }

    return 1;
}


/* a top-level id, kind or seq: each occurrence is checked, the first kept */

static int
ngx_http_rum_beacon_top(ngx_http_rum_beacon_ctx_t *ctx, int type,
    const u_char **value, size_t len)
{
    u_char                  c;
    size_t                  i;
    const u_char           *p;
    ngx_http_rum_beacon_t  *b;

    p = *value;
    b = ctx->beacon;

    switch (ctx->top) {

    case NGX_HTTP_RUM_TOP_ID:
        if (type != NGX_HTTP_RUM_STRING
            || len == 0 || len > NGX_HTTP_RUM_BEACON_MAX_ID)
        {
            goto invalid;
        }

        for (i = 0; i < len; i++) {
            c = p[i];

            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '-')
            {
                continue;
            }

            goto invalid;
        }

        if (b->id == NULL) {
            if (!ngx_http_rum_beacon_keep(ctx, value, len)) {
                return 0;
            }

            b->id = *value;
            b->id_len = len;
        }

        return 1;

    case NGX_HTTP_RUM_TOP_KIND:
        if (type != NGX_HTTP_RUM_STRING
            || len == 0 || len > NGX_HTTP_RUM_BEACON_MAX_KIND)
        {
            goto invalid;
        }

        for (i = 0; i < len; i++) {
            c = p[i];

            if ((c < 'a' || c > 'z') && c != '_') {
                goto invalid;
            }
        }

        if (b->kind == NULL) {
            if (!ngx_http_rum_beacon_keep(ctx, value, len)) {
                return 0;
            }

            b->kind = *value;
            b->kind_len = len;
        }

        return 1;

    default: /* NGX_HTTP_RUM_TOP_SEQ */
        if (type != NGX_HTTP_RUM_NUMBER
            || len == 0 || len > NGX_HTTP_RUM_BEACON_MAX_SEQ
            || (p[0] == '0' && len > 1))
        {
            goto invalid;
        }

        for (i = 0; i < len; i++) {
            if (p[i] < '0' || p[i] > '9') {
                goto invalid;
            }
        }

        if (b->seq == NULL) {
            if (!ngx_http_rum_beacon_keep(ctx, value, len)) {
                return 0;
            }

            b->seq = *value;
            b->seq_len = len;
        }

        return 1;
    }

invalid:

    ctx->rc = NGX_HTTP_RUM_BEACON_FIELD;
    return 0;
}


/*
 * A field name is taken once, by its first value in document order; values
 * longer than MAX_VALUE are cut at a UTF-8 character boundary.
 */

static int
ngx_http_rum_beacon_emit(ngx_http_rum_beacon_ctx_t *ctx, const u_char *name,
    size_t name_len, const u_char **value, size_t len)
{
    size_t                        i;
    ngx_http_rum_beacon_t        *b;
    ngx_http_rum_beacon_field_t  *f;

    b = ctx->beacon;

    if (b->nfields == ctx->spec->max_fields) {
        return 1;
    }

    for (i = 0; i < b->nfields; i++) {
        if (b->fields[i].name_len == name_len
            && b->fields[i].name[0] == name[0]
            && memcmp(b->fields[i].name, name, name_len) == 0)
        {
            return 1;
        }
    }

    if (b->fields == NULL) {
        b->fields = ngx_http_rum_beacon_alloc(ctx->alloc, ctx->alloc_ctx,
                                 ctx->spec->max_fields
                                 * sizeof(ngx_http_rum_beacon_field_t));
        if (b->fields == NULL) {
            ctx->rc = NGX_HTTP_RUM_BEACON_NOMEM;
            return 0;
        }
    }

    if (len > NGX_HTTP_RUM_BEACON_MAX_VALUE) {
        len = NGX_HTTP_RUM_BEACON_MAX_VALUE;

        while (len && ((*value)[len] & 0xc0) == 0x80) {
            len--;
        }
    }

    if (!ngx_http_rum_beacon_keep(ctx, value, len)) {
        return 0;
    }

    if (name == ctx->key_buf
        && !ngx_http_rum_beacon_keep(ctx, &name, name_len))
    {
        return 0;
    }

    f = &b->fields[b->nfields++];
    f->name = name;
    f->name_len = name_len;
    f->value = *value;
    f->value_len = len;

    return 1;
}


/* bytes outside the body are yajl's, valid only during the callback */

static int
ngx_http_rum_beacon_keep(ngx_http_rum_beacon_ctx_t *ctx, const u_char **p,
    size_t len)
{
    u_char  *copy;

    if (len == 0) {
        *p = (const u_char *) "";
        return 1;
    }

    if (!ngx_http_rum_beacon_unstable(ctx, *p)) {
        return 1;
    }

    copy = ctx->alloc(ctx->alloc_ctx, len);
    if (copy == NULL) {
        ctx->rc = NGX_HTTP_RUM_BEACON_NOMEM;
        return 0;
    }

    memcpy(copy, *p, len);
    *p = copy;

    return 1;
}


/* a key or a string that is too long, escaped, or in a body not UTF-8 */

static NGX_HTTP_RUM_NOINLINE int
ngx_http_rum_beacon_text(ngx_http_rum_beacon_ctx_t *ctx, const u_char *s,
    size_t len, size_t max)
{
    if (len > max) {
        ctx->rc = NGX_HTTP_RUM_BEACON_TOO_LONG;
        return 0;
    }

    if (ctx->check_utf8 && !ngx_http_rum_beacon_utf8(s, len)) {
        ctx->rc = NGX_HTTP_RUM_BEACON_UTF8;
        return 0;
    }

    /* yajl decoded escapes into its own buffer: look at them */

    if (ngx_http_rum_beacon_unstable(ctx, s)
        && !ngx_http_rum_beacon_escapes(ctx))
    {
        ctx->rc = NGX_HTTP_RUM_BEACON_UTF8;
        return 0;
    }

    return 1;
}


static int
ngx_http_rum_beacon_utf8(const u_char *p, size_t len)
{
    u_char         c, lo, hi;
    uint64_t       w, w2, w3, w4;
    const u_char  *end;

    end = p + len;

    while (p < end) {

        /* ASCII runs, 32 bytes at a time */

        while (end - p >= 32) {
            memcpy(&w, p, 8);
            memcpy(&w2, p + 8, 8);
            memcpy(&w3, p + 16, 8);
            memcpy(&w4, p + 24, 8);

            if ((w | w2 | w3 | w4) & 0x8080808080808080ULL) {
                break;
            }

            p += 32;
        }

        if (p == end) {
            break;
        }

        c = *p;

        if (c < 0x80) {
            if (end - p >= 8) {
                memcpy(&w, p, 8);

                if ((w & 0x8080808080808080ULL) == 0) {
                    p += 8;
                    continue;
                }
            }

            p++;
            continue;
        }

        p++;

        if (c < 0xc2) {
            return 0;
        }

        if (c < 0xe0) {
            if (end - p < 1 || (p[0] & 0xc0) != 0x80) {
                return 0;
            }

            p++;
            continue;
        }

        lo = 0x80;
        hi = 0xbf;

        if (c < 0xf0) {
            if (c == 0xe0) {
                lo = 0xa0;

            } else if (c == 0xed) {
                hi = 0x9f;
            }

            if (end - p < 2
                || p[0] < lo || p[0] > hi
                || (p[1] & 0xc0) != 0x80)
            {
                return 0;
            }

            p += 2;
            continue;
        }

        if (c < 0xf5) {
            if (c == 0xf0) {
                lo = 0x90;

            } else if (c == 0xf4) {
                hi = 0x8f;
            }

            if (end - p < 3
                || p[0] < lo || p[0] > hi
                || (p[1] & 0xc0) != 0x80
                || (p[2] & 0xc0) != 0x80)
            {
                return 0;
            }

            p += 3;
            continue;
        }

        return 0;
    }

    return 1;
}


/*
 * yajl turns a lone high surrogate into "?" and pairs a high one with any
 * following \u escape: check the escapes in the raw string, which ends just
 * before the bytes consumed so far.
 */

static int
ngx_http_rum_beacon_escapes(ngx_http_rum_beacon_ctx_t *ctx)
{
    size_t         end, n;
    uint32_t       cp;
    const u_char  *p, *q, *last;

    end = yajl_get_bytes_consumed(ctx->yajl);

    if (end < 2 || end > ctx->len || ctx->data[end - 1] != '"') {
        return 1;
    }

    last = ctx->data + end - 1;
    p = last;

    /* the opening quote: the first one back that no backslash escapes */

    for ( ;; ) {
        do {
            if (p == ctx->data) {
                return 1;
            }

            p--;
        } while (*p != '"');

        n = 0;

        for (q = p; q > ctx->data && q[-1] == '\\'; q--) {
            n++;
        }

        if (n % 2 == 0) {
            break;
        }
    }

    for (p++; p < last; p++) {

        if (*p != '\\') {
            continue;
        }

        if (*++p != 'u') {
            continue;
        }

        cp = ngx_http_rum_beacon_hex4(p + 1);
        p += 4;

        if (cp >= 0xdc00 && cp <= 0xdfff) {
            return 0;
        }

        if (cp < 0xd800 || cp > 0xdbff) {
            continue;
        }

        if (last - p < 7 || p[1] != '\\' || p[2] != 'u') {
            return 0;
        }

        cp = ngx_http_rum_beacon_hex4(p + 3);

        if (cp < 0xdc00 || cp > 0xdfff) {
            return 0;
        }

        p += 6;
    }

    return 1;
}


static uint32_t
ngx_http_rum_beacon_hex4(const u_char *p)
{
    u_char    c;
    uint32_t  n, i;

    n = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            n = n * 16 + (c - '0');

        } else {
            n = n * 16 + ((c | 0x20) - 'a' + 10);
        }
    }

    return n;
}
