
/*
 * ngx_http_rum_module: the page's Content-Security-Policy, read, never
 * changed: which form of the snippet runs under it (the inline loader, or
 * the parser-inserted attribute form), and with which script nonce.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rum_module.h"
#include "ngx_http_rum_snippet.h"


static ngx_uint_t ngx_http_rum_csp_policy(ngx_str_t *policy,
    ngx_str_t *nonce, ngx_uint_t pick);


/*
 * The page's Content-Security-Policy, never changed: the snippet reuses
 * its script nonce, and takes the attribute form when inline scripts are
 * not allowed and there is no nonce.  Every policy must allow the script.
 * A policy that requires Trusted Types for scripts, enforced or only
 * reported, gets the attribute form too (with the nonce when every policy
 * lists it): the inline loader's assignment of the script URL would throw,
 * or be reported.
 */

void
ngx_http_rum_csp(ngx_http_request_t *r, ngx_str_t *nonce,
    ngx_uint_t *inline_ok)
{
    ngx_uint_t        i, pass, ok, tt, report;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    nonce->len = 0;
    nonce->data = NULL;
    ok = 1;
    tt = 0;

    for (pass = 0; pass < 2; pass++) {

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

            if (h[i].hash == 0
                || h[i].key.len < sizeof("Content-Security-Policy") - 1
                || (h[i].key.data[0] | 0x20) != 'c'
                || ngx_strncasecmp(h[i].key.data,
                                   (u_char *) "Content-Security-Policy",
                                   sizeof("Content-Security-Policy") - 1)
                   != 0)
            {
                continue;
            }

            if (h[i].key.len == sizeof("Content-Security-Policy") - 1) {
                report = 0;

            } else if (h[i].key.len
                       == sizeof("Content-Security-Policy-Report-Only") - 1
                       && ngx_strncasecmp(h[i].key.data
                                          + sizeof("Content-Security-Policy")
                                          - 1,
                                          (u_char *) "-Report-Only",
                                          sizeof("-Report-Only") - 1)
                          == 0)
            {
                report = 1;

            } else {
                continue;
            }

            if (pass == 0
                && ngx_strlcasestrn(h[i].value.data,
                                    h[i].value.data + h[i].value.len,
                                    (u_char *) "require-trusted-types-for",
                                    sizeof("require-trusted-types-for") - 2)
                   != NULL)
            {
                tt = 1;
            }

            if (report) {
                continue;
            }

            /* pass 0 picks a nonce, pass 1 checks every policy */

            if (pass == 0) {
                if (nonce->len == 0) {
                    (void) ngx_http_rum_csp_policy(&h[i].value, nonce, 1);
                }

            } else if (!ngx_http_rum_csp_policy(&h[i].value, nonce, 0)) {
                ok = 0;
            }
        }
    }

    if (!ok) {
        nonce->len = 0;
    }

    *inline_ok = ok && !tt;
}


/*
 * One policy: 1 when an inline script is allowed, with the nonce if one
 * is given.  With pick, the first valid nonce of the policy is taken.
 */

static ngx_uint_t
ngx_http_rum_csp_policy(ngx_str_t *policy, ngx_str_t *nonce, ngx_uint_t pick)
{
    u_char      *p, *last, *d, *de, *t, *dir[3], *dir_end[3];
    size_t       len;
    ngx_uint_t   k, unsafe_inline, strict, listed;

    dir[0] = dir[1] = dir[2] = NULL;
    dir_end[0] = dir_end[1] = dir_end[2] = NULL;

    p = policy->data;
    last = p + policy->len;

    /* the directives that govern a script element, most specific first */

    while (p < last) {
        while (p < last && (*p == ' ' || *p == '\t' || *p == ';')) {
            p++;
        }

        d = p;

        while (p < last && *p != ' ' && *p != '\t' && *p != ';') {
            p++;
        }

        de = p;

        while (p < last && *p != ';') {
            p++;
        }

        len = de - d;

        if (len == 15 && ngx_strncasecmp(d, (u_char *) "script-src-elem", 15)
                         == 0)
        {
            k = 0;

        } else if (len == 10
                   && ngx_strncasecmp(d, (u_char *) "script-src", 10) == 0)
        {
            k = 1;

        } else if (len == 11
                   && ngx_strncasecmp(d, (u_char *) "default-src", 11) == 0)
        {
            k = 2;

        } else {
            continue;
        }

        if (dir[k] == NULL) {
            dir[k] = de;
            dir_end[k] = p;
        }
    }

    for (k = 0; k < 3 && dir[k] == NULL; k++) { /* void */ }

    if (k == 3) {
        return 1;
    }

    unsafe_inline = 0;
    strict = 0;
    listed = 0;

    p = dir[k];
    last = dir_end[k];

    while (p < last) {
        while (p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        t = p;

        while (p < last && *p != ' ' && *p != '\t') {
            p++;
        }

        len = p - t;

        if (len == 15 && ngx_strncasecmp(t, (u_char *) "'unsafe-inline'", 15)
                         == 0)
        {
            unsafe_inline = 1;
            continue;
        }

        if ((len == 16
             && ngx_strncasecmp(t, (u_char *) "'strict-dynamic'", 16) == 0)
            || (len > 8 && ngx_strncasecmp(t, (u_char *) "'sha", 4) == 0))
        {
            strict = 1;
            continue;
        }

        if (len > 9 && ngx_strncasecmp(t, (u_char *) "'nonce-", 7) == 0
            && t[len - 1] == '\'')
        {
            strict = 1;

            t += 7;
            len -= 8;

            for (d = t; d < t + len; d++) {
                if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z')
                      || (*d >= '0' && *d <= '9') || *d == '+' || *d == '/'
                      || *d == '=' || *d == '-' || *d == '_'))
                {
                    break;
                }
            }

            if (d != t + len || len > 256) {
                continue;
            }

            if (pick && nonce->len == 0) {
                nonce->data = t;
                nonce->len = len;
            }

            if (nonce->len == len && ngx_strncmp(nonce->data, t, len) == 0) {
                listed = 1;
            }
        }
    }

    if (listed) {
        return 1;
    }

    return unsafe_inline && !strict && nonce->len == 0;
}
