# Injection of the loader snippet: where it goes, which responses get it,
# the headers that change with it, and the skip counters.

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 3 + 61);

# the loader's early capture (docs/CONTRACTS.md)
our $Early = 'c.e=[];function e(t,a){c.version||c.e.length>49||c.e.push([t,a,performance.now()])}'
    . 'addEventListener("error",function(x){e("uncaught",[x.error||x.message,x.filename+":"+x.lineno+":"+x.colno])});'
    . 'addEventListener("unhandledrejection",function(x){e(x.type,[x.reason])});'
    . '["error","warn","debug"].forEach(function(t,f){f=console[t];console[t]=function(){e(t,[].slice.call(arguments));'
    . 'return f.apply(this,arguments)}});';

# the loader of a page profiled for certain (docs/CONTRACTS.md)
our $Snippet = '<script>(function(w,d,s,u,o){var c=w[o]=w[o]||{},'
    . 'k={"profilingSampleRate":100,"profiling":true},n;c.q=c.q||[];'
    . '["setViewId","addToLabels","addEvent","optOut","optIn"].forEach(function(f){c[f]=c[f]||function(){'
    . 'c.q.push([f,[].slice.call(arguments)])}});for(n in k)c[n]=k[n];'
    . $main::Early . 's=d.createElement(s);'
    . 's.async=1;s.id=o;s.src=u;d.head.appendChild(s)})(window,document,"script","/rum","CRUM")'
    . '</script>';

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
            text/plain txt;
            application/javascript js;
        }
_EOC_

run_tests();

__DATA__

=== TEST 1: the snippet goes right before </head>, headers adjusted
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><title>t</title><script>\(function\(w,d,s,u,o\)\{.*\}\)\(window,document,"script","/rum","CRUM"\)</script></head><body>hello</body></html>$
--- response_headers_like
ETag: W/".*"
Document-Policy: js-profiling
Content-Length: \d+
!Accept-Ranges
--- no_error_log
[error]



=== TEST 2: upper case and white space in the end tag
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html
<HTML><HEAD><TITLE>t</TITLE></HEAD  ><BODY>x</BODY></HTML>
--- request
GET /index.html
--- response_body_like chomp
^<HTML><HEAD><TITLE>t</TITLE><script>\(function.*"CRUM"\)</script></HEAD  ><BODY>x</BODY></HTML>$
--- no_error_log
[error]



=== TEST 3: "</head>" inside an inline script is not the end of the head
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html
<html><head><script>document.write("</head>")</script></head><body></body></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script>document.write\("</head>"\)</script><script>\(function.*</script></head><body></body></html>$
--- no_error_log
[error]



=== TEST 4: no </head>: after the <body> start tag
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html
<!DOCTYPE html><title>t</title><body class="a>b" id=main><p>x</p>
--- request
GET /index.html
--- response_body_like chomp
^<!DOCTYPE html><title>t</title><body class="a>b" id=main><script>\(function.*</script><p>x</p>$
--- no_error_log
[error]



=== TEST 5: neither </head> nor <body>: untouched, counted as no_head
--- config
    location / {
        rum on;
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<p>a fragment</p>
--- request eval
["GET /index.html", "GET /status"]
--- response_body_like eval
["^<p>a fragment</p>\n\$",
 '"injected":0,.*"no_head":1']
--- no_error_log
[error]



=== TEST 6: a page with the manual snippet is not injected again
--- config
    location / {
        rum on;
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<html><head><script>(function(w,d,s,u,o){})(window,document,'script','/rum','CRUM')</script></head><body></body></html>
--- request eval
["GET /index.html", "GET /status"]
--- response_body_like eval
["^<html><head><script>\\(function\\(w,d,s,u,o\\)\\{\\}\\)\\(window,document,'script','/rum','CRUM'\\)</script></head><body></body></html>\n\$",
 '"injected":0,.*"already":1']
--- no_error_log
[error]



=== TEST 7: injected exactly once, also through two rum locations (upstream ran it too)
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            root html;
            rum on;
        }
    }
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files
>>> index.html
<html><head></head><body></body></html>
--- request
GET /p/index.html
--- response_body_like eval
qr{^<html><head><script>\(function[^<]*"CRUM"\)</script></head><body></body></html>\n$}
--- no_error_log
[error]



=== TEST 8: HEAD: no body, no snippet: the page's own Content-Length, a weak ETag, counted as head
--- config
    location / {
        rum on;
    }
    location = /s {
        rum_status;
    }
--- user_files
>>> index.html
<html><head></head><body></body></html>
--- request eval
["HEAD /index.html", "GET /s"]
--- response_headers_like eval
["Content-Length: 40\nETag: W/\".*\"\nAccept-Ranges: bytes\n!Document-Policy", ""]
--- response_body_like eval
["^\$", '"injected":0,"profiled":0,"skipped":\{.*"head":1,']
--- no_error_log
[error]



=== TEST 9: other types are not touched
--- config
    location / {
        rum on;
    }
--- user_files
>>> a.txt
<html><head></head></html>
--- request
GET /a.txt
--- response_body
<html><head></head></html>
--- response_headers
Content-Length: 27
!Document-Policy



=== TEST 10: rum_types adds types
--- config
    location / {
        rum on;
        rum_types text/plain;
    }
--- user_files
>>> a.txt
<html><head></head></html>
--- request
GET /a.txt
--- response_body_like chomp
^<html><head><script>.*</script></head></html>$
--- no_error_log
[error]



=== TEST 11: Cache-Control: no-transform is respected
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
        add_header Cache-Control "public, No-Transform";
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
["GET /p/index.html", "GET /status"]
--- response_body_like eval
["^<html><head></head></html>\n\$", '"no_transform":1']
--- no_error_log
[error]



=== TEST 12: a Range request is no page view: nginx's range as without the module, counted as range
--- config
    location / {
        rum on;
    }
    location = /s {
        rum_status;
    }
--- user_files
>>> index.html
<html><head></head><body>0123456789</body></html>
--- request eval
["GET /index.html", "GET /s"]
--- more_headers eval
["Range: bytes=0-9", ""]
--- error_code eval
[206, 200]
--- response_body_like eval
["^<html><hea\$", '"injected":0,"profiled":0,"skipped":\{.*"range":1,']
--- response_headers_like eval
["Content-Range: bytes 0-9/50\n!Document-Policy", ""]



=== TEST 13: 206 from an upstream is passed on untouched
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files
>>> index.html
<html><head></head><body>0123456789</body></html>
--- request
GET /p/index.html
--- more_headers
Range: bytes=0-9
--- error_code: 206
--- response_body chomp
<html><hea



=== TEST 14: 304 on If-None-Match with the weakened ETag
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html 202001010000
<html><head></head></html>
--- request
GET /index.html
--- more_headers
If-None-Match: W/"5e0be100-1b"
--- error_code: 304
--- response_body:



=== TEST 15: 304 on If-Modified-Since
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html 202001010000
<html><head></head></html>
--- request
GET /index.html
--- more_headers
If-Modified-Since: Wed, 01 Jan 2020 00:00:00 GMT
--- error_code: 304
--- response_body:



=== TEST 16: error pages are not injected
--- config
    location / {
        rum on;
    }
    location = /status {
        rum_status;
    }
--- request eval
["GET /missing.html", "GET /status"]
--- error_code eval
[404, 200]
--- response_body_like eval
["^<html>\r\n<head><title>404 Not Found</title></head>", '"status":1']



=== TEST 17: SSI: the main page gets the snippet once, the include none
--- config
    location / {
        rum on;
        ssi on;
    }
--- user_files
>>> index.html
<html><head><!--# include virtual="/part.html" --></head><body></body></html>
>>> part.html
<html><head><title>part</title></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><html><head><title>part</title></head></html>\n<script>\(function[^<]*</script></head><body></body></html>$
--- no_error_log
[error]



=== TEST 18: rum $variable: a map decides per request
--- http_config
    map $arg_bot $rum_page {
        default on;
        1       off;
        2       "";
        3       0;
    }
--- config
    location / {
        rum $rum_page;
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
["GET /index.html", "GET /index.html?bot=1", "GET /index.html?bot=2",
 "GET /index.html?bot=3", "GET /status"]
--- response_body_like eval
["<script>", "^<html><head></head></html>\n\$", "^<html><head></head></html>\n\$",
 "^<html><head></head></html>\n\$", '"injected":1,.*"skipped":\{"off":3,']



=== TEST 19: rum off in a nested location
--- config
    location / {
        rum on;

        location /plain/ {
            rum off;
            alias html/;
        }
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
["GET /index.html", "GET /plain/index.html"]
--- response_body_like eval
["<script>", "^<html><head></head></html>\n\$"]



=== TEST 20: profiling sampled at 100: header and "profiling":true, counted
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
["GET /index.html", "GET /status"]
--- response_body_like eval
['k=\{"profilingSampleRate":100,"profiling":true\}', '"injected":1,"profiled":1']



=== TEST 21: profiling sampled at 0: no header, "profiling":false
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 0;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
k=\{"profilingSampleRate":0,"profiling":false\}
--- response_headers
!Document-Policy



=== TEST 22: an upstream's Document-Policy gets ours appended; rum_document_policy string
--- config
    location /p/ {
        rum on;
        rum_config profilingSampleRate 100;
        rum_document_policy "js-profiling, x=1";
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
        add_header Document-Policy "force-load-at-top";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /p/index.html
--- response_headers
Document-Policy: force-load-at-top, js-profiling, x=1
--- response_body_like chomp
<script>



=== TEST 23: rum_document_policy off
--- config
    location / {
        rum on;
        rum_document_policy off;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_headers
!Document-Policy
--- response_body_like chomp
<script>



=== TEST 24: rum_script_url with a variable, and rum_config literals
--- config
    location / {
        rum on;
        rum_script_url "https://$host/rum";
        rum_config samplingRate 3000;
        rum_config trackErrors false;
        rum_config labels "web,prod";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
k=\{"samplingRate":3000,"trackErrors":false,"labels":"web,prod"(,"profiling":true)?\},n;.*s\.src=u;s\.crossOrigin="anonymous";d\.head\.appendChild\(s\)\}\)\(window,document,"script","https://localhost/rum","CRUM"\)</script></head>



=== TEST 25: Content-Length: the page from a file, the snippet counted
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request
GET /index.html
--- response_body eval
"<html><head><title>t</title>$main::Snippet</head><body>hello</body></html>\n"
--- response_headers eval
"Content-Length: " . length("<html><head><title>t</title>$main::Snippet</head><body>hello</body></html>\n")
--- no_error_log
[error]



=== TEST 26: Content-Length: a proxied page, not chunked
--- config
    location /p/ {
        rum on;
        rum_config profilingSampleRate 100;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request
GET /p/index.html
--- response_body eval
"<html><head><title>t</title>$main::Snippet</head><body>hello</body></html>\n"
--- response_headers eval
"Content-Length: " . length("<html><head><title>t</title>$main::Snippet</head><body>hello</body></html>\n") . "
!Transfer-Encoding"
--- no_error_log
[error]



=== TEST 27: Content-Length: a proxied page without a head keeps its length
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files
>>> index.html
<p>a fragment</p>
--- request
GET /p/index.html
--- response_body
<p>a fragment</p>
--- response_headers
Content-Length: 18
!Transfer-Encoding
--- no_error_log
[error]



=== TEST 28: Content-Length: the snippet already there, the page as it was
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html
<html><head><script id="CRUM" src="/rum"></script></head><body></body></html>
--- request
GET /index.html
--- response_body
<html><head><script id="CRUM" src="/rum"></script></head><body></body></html>
--- response_headers
Content-Length: 78
--- no_error_log
[error]



=== TEST 29: Content-Length: the head not settled by the first buffer: the page waits (copied), its length stays exact
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
        output_buffers 1 16;
    }
--- user_files
>>> index.html
<html><head><title>a longer title</title></head><body>hello</body></html>
--- request
GET /index.html
--- response_body eval
"<html><head><title>a longer title</title>$main::Snippet</head><body>hello</body></html>\n"
--- response_headers eval
"Content-Length: " . (length("<html><head><title>a longer title</title></head><body>hello</body></html>\n") + length($main::Snippet)) . "\n!Transfer-Encoding"
--- no_error_log
[error]



=== TEST 30: HEAD through proxy_pass: the upstream's Content-Length, no body
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files
>>> index.html
<html><head></head><body></body></html>
--- request
HEAD /p/index.html
--- response_headers
Content-Length: 40
!Document-Policy
--- response_body
--- no_error_log
[error]



=== TEST 31: an upstream without Content-Length: chunked as before
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
        sub_filter "hello" "world";
    }
--- user_files
>>> index.html
<p>hello</p>
--- request
GET /p/index.html
--- response_body
<p>world</p>
--- response_headers
!Content-Length
Transfer-Encoding: chunked
--- no_error_log
[error]



=== TEST 32: add_header Cache-Control no-transform in the same location: skipped
--- config
    location / {
        rum on;
        add_header Cache-Control no-transform;
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
["GET /index.html", "GET /status"]
--- response_body_like eval
["^<html><head></head></html>\n\$", '"no_transform":1']
--- no_error_log
[error]



=== TEST 33: sendfile on: the rest of the page after the snippet is sent from the file
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
        sendfile on;
    }
--- user_files eval
[["index.html", "<html><head><title>t</title></head><body>" . ("<p>row</p>\n" x 2000) . "</body></html>\n"]]
--- request
GET /index.html
--- response_body eval
"<html><head><title>t</title>$main::Snippet</head><body>" . ("<p>row</p>\n" x 2000) . "</body></html>\n"
--- response_headers eval
"Content-Length: " . length("<html><head><title>t</title>$main::Snippet</head><body>" . ("<p>row</p>\n" x 2000) . "</body></html>\n")
--- no_error_log
[error]



=== TEST 34: a strong ETag from the upstream is weakened, short or long
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location = /b/short {
        default_type text/html;
        add_header ETag '"5e0be100-1b"';
        return 200 "<html><head></head><body></body></html>";
    }
    location = /b/long {
        default_type text/html;
        add_header ETag '"sha256-0123456789abcdef0123456789abcdef0123456789abcdef"';
        return 200 "<html><head></head><body></body></html>";
    }
--- request eval
["GET /p/short", "GET /p/long"]
--- response_headers eval
["ETag: W/\"5e0be100-1b\"",
 "ETag: W/\"sha256-0123456789abcdef0123456789abcdef0123456789abcdef\""]
--- no_error_log
[error]



=== TEST 35: a page that gets no snippet gets no Document-Policy and is not counted as profiled
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
    }
    location = /s {
        rum_status;
    }
--- user_files
>>> frag.html
<p>a fragment: no head, no body</p>
>>> page.html
<html><head></head></html>
--- request eval
["GET /frag.html", "GET /page.html", "GET /s"]
--- response_headers eval
["!Document-Policy\nAccept-Ranges: bytes", "Document-Policy: js-profiling", ""]
--- response_body_like eval
["^<p>a fragment", "<script>", '"injected":1,"profiled":1,"skipped":\{.*"no_head":1,']



=== TEST 36: a site that only injects does not connect to Redis
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
--- config
    location / {
        rum on;
    }
--- user_files
>>> page.html
<html><head></head></html>
--- request
GET /page.html
--- wait: 0.5
--- response_body_like chomp
<script>
--- no_error_log
rum: Redis
[error]



=== TEST 37: rum_types naming text/html again is no duplicate
--- config
    location / {
        rum on;
        rum_types text/html application/xhtml+xml;
    }
--- user_files
>>> page.html
<html><head></head></html>
--- request
GET /page.html
--- response_body_like chomp
<script>
--- no_error_log
duplicate MIME type



=== TEST 38: a client from another host: the loader's script tag is crossorigin, in both forms
--- config
    location / {
        rum on;
        rum_script_url //collector.example/rum;
    }
    location /csp/ {
        rum on;
        rum_script_url https://collector.example/rum;
        add_header Content-Security-Policy "script-src 'self'";
        alias html/;
    }
    location /here/ {
        rum on;
        rum_script_url /here/rum;
        alias html/;
    }
--- user_files
>>> page.html
<html><head></head></html>
--- request eval
["GET /page.html", "GET /csp/page.html", "GET /here/page.html"]
--- response_body_like eval
['s\.id=o;s\.src=u;s\.crossOrigin="anonymous";d\.head\.appendChild\(s\)\}\)\(window,document,"script","//collector\.example/rum","CRUM"\)',
 '<script async src="https://collector\.example/rum" id="CRUM" data-crum crossorigin="anonymous"[ >]',
 '^(?!.*crossOrigin).*s\.src=u;d\.head\.appendChild\(s\)\}\)\(window,document,"script","/here/rum","CRUM"\)']
--- no_error_log
[error]



=== TEST 39: the loader's size budget: at most 800 bytes with the default configuration, profiled or not
--- config
    location / {
        rum on;
    }
--- user_files
>>> page.html
<html><head></head></html>
--- request
GET /page.html
--- response_body_like chomp
^<html><head><script>[^<]{600,783}</script></head></html>\n\z
