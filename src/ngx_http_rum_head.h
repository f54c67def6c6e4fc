
/*
 * ngx_http_rum_module: the incremental finder of the places to inject at.
 *
 * Pure: libc only, so that the unit tests and the fuzz target link it
 * alone.  The finder reads an HTML document chunk by chunk, in any
 * chunking, and stops at the events the filter acts upon:
 *
 *   FOUND    the "</head" end tag (any case, ended by white space, "/" or
 *            ">"): the snippet goes where its "<" is; that may be in bytes
 *            of earlier chunks, which the filter held back (see "hold");
 *   BODY     the end of a "<body ...>" start tag when no "</head" came
 *            first (the head was implicit);
 *   ALREADY  the page carries the loader ("CRUM" or 'CRUM' in a script or
 *            a script tag's attribute) before "</head";
 *   SCRIPT   the ">" of a "<script src=...>" start tag whose src names a
 *            host (absolute or scheme-relative) and that has no
 *            crossorigin attribute; the host is in "host".
 *
 * Tags are read as the HTML tokenizer reads them, so that what it takes
 * for text, a value or a comment is no event: a tag name goes to white
 * space, "/" or ">"; an "=" after an attribute name begins a value, quoted
 * (to its quote) or not (to white space or ">"); end tags have attributes
 * too; "<!--" comments end at "-->", "--!>", or at once for "<!-->" and
 * "<!--->"; "<!...", "<?..." and "</" with no letter after it are bogus
 * comments to the first ">" (so is "<![CDATA[" in HTML).  The text of
 * <script>, <style>, <title>, <textarea>, <noscript>, <noembed>,
 * <noframes>, <iframe> and <xmp> goes from the end of its start tag to its
 * own end tag: a "</head>" in a string of an inline script is not a tag.
 * Not followed: a script's "<!--" escape states, <plaintext>, and SVG or
 * MathML content (where CDATA is a section).
 */


#ifndef _NGX_HTTP_RUM_HEAD_H_INCLUDED_
#define _NGX_HTTP_RUM_HEAD_H_INCLUDED_


#include <stddef.h>
#include <sys/types.h>


#define NGX_HTTP_RUM_HEAD_FIND_HEAD    0x01  /* </head>, <body>, CRUM */
#define NGX_HTTP_RUM_HEAD_FIND_SCRIPT  0x02  /* <script src=//host> */

#define NGX_HTTP_RUM_HEAD_AGAIN        0
#define NGX_HTTP_RUM_HEAD_FOUND        1
#define NGX_HTTP_RUM_HEAD_BODY         2
#define NGX_HTTP_RUM_HEAD_ALREADY      3
#define NGX_HTTP_RUM_HEAD_SCRIPT       4

/* the longest partial match the filter ever holds back: "</head" */
#define NGX_HTTP_RUM_HEAD_MAX_HOLD     6

#define NGX_HTTP_RUM_HEAD_HOST_LEN     256


typedef struct {
    /* results */
    ssize_t        at;        /* event: insert here, from p; FOUND: may be
                                 negative, in the held bytes */
    size_t         next;      /* event: scan on from p + next */
    size_t         hold;      /* AGAIN: the last "hold" bytes of the
                                 document may start "</head" */
    u_char        *host;      /* SCRIPT: the src host (lowercase) */
    size_t         host_len;

    /* state */
    unsigned       flags;
    unsigned       state;
    unsigned       i;         /* bytes matched of a name */
    unsigned       kind;      /* the start tag being read */
    unsigned       attr;      /* the attribute being read */
    unsigned       crum;      /* bytes matched of "CRUM" + quote */
    u_char         quote;
    u_char         prev;      /* the byte before the current chunk */
    unsigned       has_crossorigin:1;
    unsigned       in_src:1;

    u_char         name[12];
    size_t         name_len;
    unsigned       raw;       /* the raw text element being read, whose
                                 end tag closes it: a name of the finder */

    size_t         src_len;
    u_char        *src;       /* NGX_HTTP_RUM_HEAD_HOST_LEN bytes */
} ngx_http_rum_head_t;


/*
 * The vector width the finder reads text with, in bytes: 32 (AVX2), 16
 * (SSE2) or 0 (none, a byte at a time).  want 0 picks the widest the CPU
 * has, 16 keeps to SSE2; called once, before the finder runs (else 16).
 */
size_t ngx_http_rum_head_vector(size_t want);

/* src: NGX_HTTP_RUM_HEAD_HOST_LEN bytes with FIND_SCRIPT, else NULL */
void ngx_http_rum_head_init(ngx_http_rum_head_t *h, unsigned flags,
    u_char *src);
int ngx_http_rum_head_find(ngx_http_rum_head_t *h, u_char *p, u_char *last);


#endif /* _NGX_HTTP_RUM_HEAD_H_INCLUDED_ */
