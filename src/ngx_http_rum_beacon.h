
/*
 * ngx_http_rum_module: the beacon parser.
 *
 * A pure function over bytes: it includes only libc and yajl, so that the
 * unit tests and the fuzz target link it without nginx.
 */


#ifndef _NGX_HTTP_RUM_BEACON_H_INCLUDED_
#define _NGX_HTTP_RUM_BEACON_H_INCLUDED_


#include <stddef.h>
#include <sys/types.h>

#if !defined(__u_char_defined) && !defined(_NGX_RUM_U_CHAR_DEFINED)
#define _NGX_RUM_U_CHAR_DEFINED
typedef unsigned char  u_char;
#endif


#define NGX_HTTP_RUM_BEACON_OK            0
#define NGX_HTTP_RUM_BEACON_INVALID       1   /* not JSON, truncated, empty */
#define NGX_HTTP_RUM_BEACON_NOT_OBJECT    2
#define NGX_HTTP_RUM_BEACON_TOO_DEEP      3
#define NGX_HTTP_RUM_BEACON_TOO_LONG      4   /* a key or a string */
#define NGX_HTTP_RUM_BEACON_UTF8          5
#define NGX_HTTP_RUM_BEACON_FIELD         6   /* bad top-level id, kind, seq */
#define NGX_HTTP_RUM_BEACON_NOMEM         7
#define NGX_HTTP_RUM_BEACON_NERRORS       8

#define NGX_HTTP_RUM_BEACON_MAX_DEPTH     32
#define NGX_HTTP_RUM_BEACON_MAX_KEY       256
#define NGX_HTTP_RUM_BEACON_MAX_STRING    16384
#define NGX_HTTP_RUM_BEACON_MAX_FIELDS    64
#define NGX_HTTP_RUM_BEACON_MAX_VALUE     1024
#define NGX_HTTP_RUM_BEACON_MAX_ID        64
#define NGX_HTTP_RUM_BEACON_MAX_KIND      32
#define NGX_HTTP_RUM_BEACON_MAX_SEQ       15
#define NGX_HTTP_RUM_BEACON_MAX_NAME      64  /* a rum_extract field name */


/* a compiled set of extraction rules; read-only once created */
typedef struct ngx_http_rum_extract_s  ngx_http_rum_extract_t;

/*
 * All memory the parser keeps comes from this allocator (nginx: ngx_pnalloc
 * on a pool); nothing is ever freed one by one, and no alignment is needed.
 * yajl's own working memory is malloc()ed and freed inside the parse.
 */
typedef void *(*ngx_http_rum_alloc_pt)(void *ctx, size_t size);


typedef struct {
    const u_char                  *name;
    size_t                         name_len;
    const u_char                  *value;
    size_t                         value_len;
} ngx_http_rum_beacon_field_t;


typedef struct {
    ngx_http_rum_beacon_field_t   *fields;    /* in document order */
    size_t                         nfields;

    const u_char                  *id;        /* NULL when absent */
    size_t                         id_len;
    const u_char                  *kind;      /* NULL when absent: "sample" */
    size_t                         kind_len;
    const u_char                  *seq;       /* NULL when absent */
    size_t                         seq_len;

    size_t                         error_offset;  /* where parsing stopped */
} ngx_http_rum_beacon_t;


/*
 * Compiles rules: pairs of (field name, dotted path from the root).  The
 * name "*" with a path ending in ".*" (or the path "*") extracts each scalar
 * member of that object under its own name.  n == 0 compiles the defaults:
 * session session.id, view view.id, url view.href, * metrics.*.
 * Returns NULL and sets *err (a static message) on a bad rule or no memory.
 */
ngx_http_rum_extract_t *ngx_http_rum_extract_create(const u_char **names,
    const size_t *name_lens, const u_char **paths, const size_t *path_lens,
    size_t n, ngx_http_rum_alloc_pt alloc, void *ctx, const char **err);

/*
 * One pass over the whole body: validates it and extracts the fields.
 * Returns NGX_HTTP_RUM_BEACON_OK or an error code; *b is filled in either
 * case (fields found before an error are left there, but mean nothing).
 * Returned pointers point into data or into memory from alloc: they live as
 * long as both do.  alloc is called only for the field array (once, when a
 * field is found) and for values, names, id or kind that had escapes.
 *
 * The body: one JSON object, strict RFC 8259 (no comments, one value,
 * nothing after it but whitespace), keys and strings valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, escaped surrogates only in pairs), at
 * most MAX_DEPTH objects and arrays deep, keys of at most MAX_KEY bytes and
 * strings of at most MAX_STRING bytes once decoded.
 *
 * Top level: "id" must be a string of [A-Za-z0-9._:-]{1,64}, "kind" a
 * string of [a-z_]{1,32}, "seq" an integer literal of [0-9]{1,15}; each
 * occurrence is checked and the first one is kept.
 *
 * Fields: a rule takes the value at its key path (arrays are not indexed,
 * so no path goes through one); strings as decoded UTF-8, numbers as their
 * literal text ("0.1", "1e3", "-0"), booleans as "true"/"false"; null,
 * objects and arrays are not taken.  A field name is taken once, by the
 * first value in document order (duplicate keys: the first wins).  A
 * wildcard skips empty names and the entry's own (v ts id kind seq
 * payload).  Values are cut to MAX_VALUE bytes at a character boundary; at
 * most MAX_FIELDS fields, further ones are ignored.
 */
int ngx_http_rum_beacon_parse(ngx_http_rum_beacon_t *b,
    const ngx_http_rum_extract_t *spec, const u_char *data, size_t len,
    ngx_http_rum_alloc_pt alloc, void *ctx);

/* 1 when name is one of the entry's own fields: v ts id kind seq payload */
int ngx_http_rum_beacon_reserved(const u_char *name, size_t len);

/* "ok", "invalid", "not_object", "too_deep", "too_long", "utf8", ... */
const char *ngx_http_rum_beacon_strerror(int rc);


#endif /* _NGX_HTTP_RUM_BEACON_H_INCLUDED_ */
