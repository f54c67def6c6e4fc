
/*
 * Unit tests of the </head> finder (src/ngx_http_rum_head.c): every case
 * is run in one piece and split at every position (two chunks), and in
 * one-byte chunks, and must give the same events at the same places.
 *
 *     t/unit/build.sh
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_rum_head.h"


#define FLAGS_HEAD    NGX_HTTP_RUM_HEAD_FIND_HEAD
#define FLAGS_BOTH    (NGX_HTTP_RUM_HEAD_FIND_HEAD                            \
                       |NGX_HTTP_RUM_HEAD_FIND_SCRIPT)


static int  passed, failed;


/*
 * Feeds the document in chunks (as the filter does) and writes the events
 * as text: "FOUND@12 SCRIPT@40:cdn.example.com BODY@80 ALREADY".  It also
 * checks the filter's invariant: what the finder asks to hold is always
 * the start of "</head" and never more than the document so far.
 */

static void
events(const char *doc, size_t len, const size_t *cuts, size_t ncuts,
    unsigned flags, char *out, size_t size)
{
    int                   rc;
    char                  tmp[400];
    u_char               *buf, *p, *last, src[NGX_HTTP_RUM_HEAD_HOST_LEN];
    size_t                from, to, k, n;
    ngx_http_rum_head_t   h;

    buf = malloc(len + 1);
    memcpy(buf, doc, len);

    ngx_http_rum_head_init(&h, flags, src);
    out[0] = '\0';
    from = 0;

    for (k = 0; k <= ncuts; k++) {
        to = (k < ncuts) ? cuts[k] : len;

        if (to < from) {
            continue;
        }

        /* each chunk in its own allocation, as buffers are */
        p = malloc(to - from + 1);
        memcpy(p, buf + from, to - from);
        last = p + (to - from);

        {
            u_char  *chunk = p;

            while (h.flags) {
                rc = ngx_http_rum_head_find(&h, p, last);

                if (rc == NGX_HTTP_RUM_HEAD_AGAIN) {
                    if (h.hold > (size_t) to
                        || (h.hold
                            && strncasecmp((char *) buf + to - h.hold,
                                           "</head", h.hold) != 0))
                    {
                        snprintf(tmp, sizeof(tmp), "BADHOLD%zu ", h.hold);
                        strncat(out, tmp, size - strlen(out) - 1);
                    }

                    break;
                }

                n = from + (p - chunk) + h.at;

                switch (rc) {
                case NGX_HTTP_RUM_HEAD_FOUND:
                    snprintf(tmp, sizeof(tmp), "FOUND@%zu ", n);
                    break;
                case NGX_HTTP_RUM_HEAD_BODY:
                    snprintf(tmp, sizeof(tmp), "BODY@%zu ", n);
                    break;
                case NGX_HTTP_RUM_HEAD_ALREADY:
                    snprintf(tmp, sizeof(tmp), "ALREADY ");
                    break;
                default:
                    snprintf(tmp, sizeof(tmp), "SCRIPT@%zu:%.*s ", n,
                             (int) h.host_len, h.host);
                }

                strncat(out, tmp, size - strlen(out) - 1);
                p += h.next;
            }

            free(chunk);
        }

        from = to;
    }

    n = strlen(out);
    if (n && out[n - 1] == ' ') {
        out[n - 1] = '\0';
    }

    free(buf);
}


static void
check(const char *name, const char *doc, unsigned flags, const char *expect)
{
    char     whole[1024], got[1024];
    size_t   len, i, *cuts;
    int      ok;

    len = strlen(doc);

    events(doc, len, NULL, 0, flags, whole, sizeof(whole));

    ok = (strcmp(whole, expect) == 0);

    if (!ok) {
        printf("FAIL %s: whole: got \"%s\", expected \"%s\"\n",
               name, whole, expect);
    }

    for (i = 0; ok && i <= len; i++) {
        events(doc, len, &i, 1, flags, got, sizeof(got));

        if (strcmp(got, expect) != 0) {
            printf("FAIL %s: split at %zu: got \"%s\", expected \"%s\"\n",
                   name, i, got, expect);
            ok = 0;
        }
    }

    if (ok) {
        cuts = malloc((len + 1) * sizeof(size_t));

        for (i = 0; i < len; i++) {
            cuts[i] = i + 1;
        }

        events(doc, len, cuts, len, flags, got, sizeof(got));
        free(cuts);

        if (strcmp(got, expect) != 0) {
            printf("FAIL %s: bytes: got \"%s\", expected \"%s\"\n",
                   name, got, expect);
            ok = 0;
        }
    }

    if (ok) {
        passed++;

    } else {
        failed++;
    }
}


static void
check_all(void)
{
    check("simple", "<html><head><title>x</title></head><body>",
          FLAGS_HEAD, "FOUND@28");
    check("upper case", "<HTML><HEAD></HEAD>", FLAGS_HEAD, "FOUND@12");
    check("mixed case", "<head></HeAd>", FLAGS_HEAD, "FOUND@6");
    check("space before >", "<head></head  >", FLAGS_HEAD, "FOUND@6");
    check("newline before >", "<head></head\n>", FLAGS_HEAD, "FOUND@6");
    check("slash", "<head></head/>", FLAGS_HEAD, "FOUND@6");
    check("not header", "<head></header></head>", FLAGS_HEAD, "FOUND@15");
    check("not heads", "</heads></head>", FLAGS_HEAD, "FOUND@8");
    /* "</" and a byte that is no letter: a bogus comment, to the ">" */
    check("lt lt", "<<</</head>", FLAGS_HEAD, "");
    check("lt lt then head", "<<</</head></head>", FLAGS_HEAD, "FOUND@11");
    check("first only", "</head></head>", FLAGS_HEAD, "FOUND@0");
    check("nothing", "<html><p>no head here</p></html>", FLAGS_HEAD, "");

    /*
     * as the HTML tokenizer reads them: what holds a "</head>" that is no
     * end tag (attribute values, bogus comments, comments)
     */
    check("attribute value, double quotes",
          "<head><meta content=\"</head>\"></head>", FLAGS_HEAD, "FOUND@30");
    check("attribute value on head",
          "<head data-x=\"</head>\"></head>", FLAGS_HEAD, "FOUND@23");
    check("attribute value, single quotes",
          "<meta content='</head>'></head>", FLAGS_HEAD, "FOUND@24");
    check("attribute value, unquoted",
          "<meta content=</head>></head>", FLAGS_HEAD, "FOUND@22");
    check("CDATA is a bogus comment",
          "<![CDATA[ </head> ]]></head>", FLAGS_HEAD, "FOUND@21");
    check("processing instruction",
          "<? </head> ?></head>", FLAGS_HEAD, "FOUND@13");
    check("bogus comment",
          "<!x </head> x></head>", FLAGS_HEAD, "FOUND@14");
    check("quote in a name",
          "<a b\"c=\"</head>\">x</head>", FLAGS_HEAD, "FOUND@18");
    check("= where a name begins",
          "<a =\"</head>\">x</head>", FLAGS_HEAD, "FOUND@15");
    check("= in an unquoted value",
          "<a b=c=\">\"</head>", FLAGS_HEAD, "FOUND@10");
    check("end tag attributes",
          "</p title=\"</head>\"></head>", FLAGS_HEAD, "FOUND@20");
    check("<!--> ends",
          "<!--></head>", FLAGS_HEAD, "FOUND@5");
    check("<!---> ends",
          "<!---></head>", FLAGS_HEAD, "FOUND@6");
    check("--!> ends",
          "<!-- a --!></head>", FLAGS_HEAD, "FOUND@11");
    check("= in a tag name",
          "<a=\"</head>\">x</head>", FLAGS_HEAD, "FOUND@14");
    check("</ and space",
          "</ </head>x</head>", FLAGS_HEAD, "FOUND@11");
    check("script start tag attribute",
          "<script data-x=\"</script>\">a='</head>'</script></head>", FLAGS_HEAD, "FOUND@47");
    check("raw end tag attributes",
          "<title></title x=\"</head>\"></head>", FLAGS_HEAD, "FOUND@27");
    check("slash between attributes",
          "<a/b=\"</head>\"/c='>'></head>", FLAGS_HEAD, "FOUND@21");
    check("long attributes",
          "<head><meta name=\"viewport\" content=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</head>\"><link rel=preload href=/a.css as=style crossorigin></head>", FLAGS_HEAD, "FOUND@217");

    /* a realistic head: the fast paths between tags (t/bench/inject.sh) */
    check("realistic head",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<title>A <b>product</b> page</title>\n"
          "<link rel=\"stylesheet\" href=\"/static/css/main.css\">\n"
          "<script src=\"/static/js/vendor.js\" defer></script>\n"
          "<SCRIPT>var a='</head>';</SCRIPTX></Script >\n"
          "<style>body{margin:0}</style/>\n"
          "<styles></Head\n><body>",
          FLAGS_HEAD, "FOUND@338");
    check("raw names end at a letter or digit",
          "<scripts></head><titlex></head>", FLAGS_HEAD, "FOUND@9");
    check("noscript, noembed, noframes, textarea, iframe, xmp",
          "<noscript></head></noscript><noembed></head></noembed>"
          "<noframes></head></noframes><textarea></head></textarea>"
          "<iframe></head></iframe><xmp></head></xmp></head>",
          FLAGS_HEAD, "FOUND@152");
    check("empty", "", FLAGS_HEAD, "");
    check("truncated", "<head></hea", FLAGS_HEAD, "");
    check("truncated 2", "<head></head", FLAGS_HEAD, "");

    check("in a script string",
          "<head><script>document.write('</head>')</script></head>",
          FLAGS_HEAD, "FOUND@48");
    check("in a script, upper end tag",
          "<head><SCRIPT>a='</head>'</SCRIPT ></head>",
          FLAGS_HEAD, "FOUND@35");
    check("not a script end", "<script>a='</scripts></head>'</script></head>",
          FLAGS_HEAD, "FOUND@38");
    check("in a comment", "<head><!-- </head> --></head>", FLAGS_HEAD,
          "FOUND@22");
    check("comment dashes", "<!-- a -- b --->x</head>", FLAGS_HEAD,
          "FOUND@17");
    check("in a style", "<style>a{content:'</head>'}</style></head>",
          FLAGS_HEAD, "FOUND@35");
    check("in a title", "<title></head></title></head>", FLAGS_HEAD,
          "FOUND@22");
    check("quoted > in a style tag", "<style media=\"a>b\"></head></style>x"
          "</head>", FLAGS_HEAD, "FOUND@35");

    check("body fallback", "<html><body class=\"a>b\" id=x>hi", FLAGS_HEAD,
          "BODY@29");
    check("body upper", "<BODY>", FLAGS_HEAD, "BODY@6");
    check("body self", "<body/>", FLAGS_HEAD, "BODY@7");
    check("not body", "<bodyx><tbody>", FLAGS_HEAD, "");
    check("head before body", "</head><body>", FLAGS_HEAD, "FOUND@0");

    check("already double", "<head><script>x(\"CRUM\")</script></head>",
          FLAGS_HEAD, "ALREADY");
    check("already single", "<head><script>(window,'CRUM')</script></head>",
          FLAGS_HEAD, "ALREADY");
    check("already attribute form",
          "<head><script async src=\"/rum\" id=\"CRUM\" data-crum></script>"
          "</head>", FLAGS_HEAD, "ALREADY");
    check("mixed quotes", "<head><script>x('CRUM\")</script></head>",
          FLAGS_HEAD, "FOUND@32");
    check("CRUMB", "<head><script>x('CRUMB')</script></head>",
          FLAGS_HEAD, "FOUND@33");
    check("CRUM outside a script", "<head><title>'CRUM'</title></head>",
          FLAGS_HEAD, "FOUND@27");
    check("CRUM after head", "<head></head><script>'CRUM'</script>",
          FLAGS_HEAD, "FOUND@6");
    check("CRUM across a tag", "<script>'CR<b>UM'</script></head>",
          FLAGS_HEAD, "FOUND@26");

    check("crossorigin https",
          "<script src=\"https://CDN.example.com/a.js\"></script></head>",
          FLAGS_BOTH, "SCRIPT@42:cdn.example.com FOUND@52");
    check("crossorigin scheme relative, after head",
          "</head><body><script defer src='//cdn.example.com:8443/a.js'>"
          "</script>", FLAGS_BOTH, "FOUND@0 SCRIPT@60:cdn.example.com:8443");
    check("crossorigin unquoted",
          "</head><script src=http://a.b/x.js></script>", FLAGS_BOTH,
          "FOUND@0 SCRIPT@34:a.b");
    check("crossorigin present",
          "</head><script src=//a.b/x.js crossorigin></script>",
          FLAGS_BOTH, "FOUND@0");
    check("crossorigin present upper",
          "</head><script CROSSORIGIN=\"use-credentials\" src=//a.b/x.js>",
          FLAGS_BOTH, "FOUND@0");
    check("relative src", "</head><script src=\"/a.js\"></script>"
          "<script src=a.js></script>", FLAGS_BOTH, "FOUND@0");
    check("no src", "</head><script>var s='<script src=//a.b/x.js>'"
          "</script>", FLAGS_BOTH, "FOUND@0");
    check("script self closing", "</head><script src=//a.b/x.js />"
          "<script src=//c.d/y.js></script>", FLAGS_BOTH,
          "FOUND@0 SCRIPT@31:a.b");
    check("two scripts", "</head><script src=//a.b/x.js></script>"
          "<p><script src=\"https://c.d\"></script>", FLAGS_BOTH,
          "FOUND@0 SCRIPT@29:a.b SCRIPT@67:c.d");
    check("data-src", "</head><script data-src=//a.b/x.js></script>",
          FLAGS_BOTH, "FOUND@0");
    check("script-only mode", "<script src=//a.b/x.js>",
          NGX_HTTP_RUM_HEAD_FIND_SCRIPT, "SCRIPT@22:a.b");

    /* long enough for the fast path of the finder (SSE2) */

    check("long head",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"u"
          "tf-8\">\n<meta name=\"viewport\" content=\"width=device-widt"
          "h, initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/stat"
          "ic/css/main.4f2a9c.css\">\n<title>A product page</title>\n<s"
          "cript src=\"/v.js\" defer></script>\n<script>window.d=window"
          ".d||[];function g(){d.push(arguments)}</script>\n<style>body"
          "{margin:0}.row{padding:4px}</style>\n</head>\n<body>\n<div c"
          "lass=\"row\"><a href=\"/i\">Item</a></div>\n<div class=\"row"
          "\"><a href=\"/i\">Item</a></div>\n<div class=\"row\"><a href"
          "=\"/i\">Item</a></div>\n",
          FLAGS_HEAD, "FOUND@374");
    check("long head, </head> in a title, a script, a comment, a noscript",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"u"
          "tf-8\">\n<meta name=\"viewport\" content=\"width=device-widt"
          "h, initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/stat"
          "ic/css/main.4f2a9c.css\">\n<title>&lt;/head&gt; </head> x</t"
          "itle>\n<script>var s=\"</head><body>\";/* </script */</scrip"
          "t>\n<!-- </head> <body> -- > -->\n<noscript><p></head></p></"
          "noscript>\n<STYLE>a:after{content:\"</head>\"}</STYLE >\n</H"
          "EAD\t>\n<body><p>text</p><p>text</p><p>text</p><p>text</p><p"
          ">text</p>",
          FLAGS_HEAD, "FOUND@391");
    check("long head, the loader in a script's text",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"u"
          "tf-8\">\n<meta name=\"viewport\" content=\"width=device-widt"
          "h, initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/stat"
          "ic/css/main.4f2a9c.css\">\n<title>t</title>\n<script>(functi"
          "on(w,d,s,u,o){var c=w[o]=w[o]||{}})(window,document,\"script"
          "\",\"/rum\",\"CRUM\")</script>\n</head><body><p>text</p><p>t"
          "ext</p><p>text</p><p>text</p><p>text</p>",
          FLAGS_HEAD, "ALREADY");
    check("long head, the loader's id in a script tag",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"u"
          "tf-8\">\n<meta name=\"viewport\" content=\"width=device-widt"
          "h, initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/stat"
          "ic/css/main.4f2a9c.css\">\n<script async src=\"/rum\" id='CR"
          "UM' data-crum></script>\n</head><body><p>text</p><p>text</p>"
          "<p>text</p><p>text</p><p>text</p>",
          FLAGS_HEAD, "ALREADY");
    check("long head, CRUM outside scripts",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"u"
          "tf-8\">\n<meta name=\"viewport\" content=\"width=device-widt"
          "h, initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/stat"
          "ic/css/main.4f2a9c.css\">\n<style>.x{content:\"CRUM\"}</styl"
          "e><meta name=\"CRUM\" content='CRUM'>\n</head><body><p>text<"
          "/p><p>text</p><p>text</p><p>text</p><p>text</p>",
          FLAGS_HEAD, "FOUND@257");
    check("long page, no head, a body with attributes",
          "<!DOCTYPE html>\n<html lang=\"en\">\n<meta charset=\"utf-8\""
          ">\n<meta name=\"viewport\" content=\"width=device-width, ini"
          "tial-scale=1\">\n<link rel=\"stylesheet\" href=\"/static/css"
          "/main.4f2a9c.css\">\n<title>t</title>\n<BODY class=\"a>b\" d"
          "ata-x='<body>'><p>text</p><p>text</p><p>text</p><p>text</p><"
          "p>text</p>",
          FLAGS_HEAD, "BODY@235");
    check("long head, then cross-origin scripts",
          "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"u"
          "tf-8\">\n<meta name=\"viewport\" content=\"width=device-widt"
          "h, initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/stat"
          "ic/css/main.4f2a9c.css\">\n<script src=\"https://cdn.example"
          ".com/a.js\" defer></script>\n</head><body><p>text</p><p>text"
          "</p><p>text</p><p>text</p><p>text</p><script src=//Static.Ex"
          "ample.org:8443/b.js></script><script src=\"/c.js\"></script>"
          "<p>text</p><p>text</p><p>text</p><p>text</p>",
          FLAGS_BOTH, "SCRIPT@238:cdn.example.com FOUND@249 "
          "SCRIPT@359:static.example.org:8443");
}


/* every case with each vector width this machine has */

int
main(void)
{
    size_t  width, widest;

    widest = ngx_http_rum_head_vector(0);

    for (width = 16; width <= widest; width *= 2) {
        printf("head: %zu-byte vectors\n", ngx_http_rum_head_vector(width));
        check_all();
    }

    if (widest == 0) {
        printf("head: a byte at a time\n");
        check_all();
    }

    printf("head: %d passed, %d failed\n", passed, failed);

    return failed ? 1 : 0;
}
