# rum_crossorigin adds crossorigin="anonymous" to script tags of listed
# hosts (in the whole page), and rum_cors_origins gives scripts the
# Access-Control-Allow-Origin the profiler needs to attribute them.

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 2 + 4);

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
            application/javascript js;
        }
_EOC_

run_tests();

__DATA__

=== TEST 1: listed hosts get crossorigin, in head and body, split in 3-byte buffers
--- config
    location / {
        rum on;
        rum_crossorigin cdn.example.com static.example.org;
        output_buffers 1 3;
    }
--- user_files
>>> index.html
<html><head><script src="https://CDN.example.com/a.js"></script><script src="/local.js"></script></head>
<body><script defer src=//static.example.org:8443/b.js></script><script src="https://other.example.net/c.js"></script>
<script src="https://cdn.example.com/d.js" crossorigin="use-credentials"></script><script>var s='<script src=//cdn.example.com/x.js>';</script>
<script src="https://cdn.example.com/e.js"/></body></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script src="https://CDN.example.com/a.js" crossorigin="anonymous"></script><script src="/local.js"></script><script>\(function[^<]*</script></head>
<body><script defer src=//static.example.org:8443/b.js crossorigin="anonymous"></script><script src="https://other.example.net/c.js"></script>
<script src="https://cdn.example.com/d.js" crossorigin="use-credentials"></script><script>var s='<script src=//cdn.example.com/x.js>';</script>
<script src="https://cdn.example.com/e.js"/ crossorigin="anonymous"></body></html>$



=== TEST 2: without rum_crossorigin nothing is added
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html
<html><head></head><body><script src="https://cdn.example.com/a.js"></script></body></html>
--- request
GET /index.html
--- response_body_like chomp
<body><script src="https://cdn.example.com/a.js"></script></body>



=== TEST 3: scripts get Access-Control-Allow-Origin: * with rum_cors_origins *
--- config
    location /static/ {
        alias html/;
        rum_cors_origins *;
    }
--- user_files
>>> app.js
var a = 1;
--- request
GET /static/app.js
--- response_headers
Access-Control-Allow-Origin: *
--- response_body
var a = 1;



=== TEST 4: a listed origin is echoed, with Vary: Origin
--- config
    location /static/ {
        alias html/;
        rum_cors_origins https://www.example.com https://shop.example.com;
    }
--- user_files
>>> app.js
var a = 1;
--- request
GET /static/app.js
--- more_headers
Origin: https://shop.example.com
--- response_headers
Access-Control-Allow-Origin: https://shop.example.com
Vary: Origin



=== TEST 5: an origin not listed gets no Access-Control-Allow-Origin; HTML none either
--- config
    location /static/ {
        alias html/;
        rum_cors_origins https://www.example.com;
    }
--- user_files
>>> app.js
var a = 1;
>>> index.html
<html></html>
--- request eval
["GET /static/app.js", "GET /static/index.html"]
--- more_headers
Origin: https://evil.example.com
--- response_headers eval
["!Access-Control-Allow-Origin", "!Access-Control-Allow-Origin"]



=== TEST 6: no rum_cors_origins, no header
--- config
    location /static/ {
        alias html/;
    }
--- user_files
>>> app.js
var a = 1;
--- request
GET /static/app.js
--- response_headers
!Access-Control-Allow-Origin
