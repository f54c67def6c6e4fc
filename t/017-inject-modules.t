# Living with nginx's other modules: with rum on, gzip_static, gzip after
# internal redirects, SSI with a request body, slice, proxy_store, ranges
# and proxy_cache work as without the module; pages that can take the
# snippet get it.  Requests carry a browser's Accept, as page views do.

use lib '.';
use t::RUM;
use IO::Compress::Gzip qw(gzip $GzipError);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);

repeat_each(1);
plan tests => repeat_each() * 77;

our $Accept = 'Accept: text/html,application/xhtml+xml,application/xml;'
            . 'q=0.9,*/*;q=0.8';

our $Page = "<html><head><title>t</title></head><body>hello</body></html>\n";

sub gz {
    my $in = shift;
    my $out;
    gzip(\$in => \$out) or die "gzip failed: $GzipError";
    return $out;
}

sub ungzip {
    my $in = shift;
    my $out;
    gunzip(\$in => \$out) or return "gunzip failed: $GunzipError";
    return $out;
}

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
        }
_EOC_

run_tests();

__DATA__

=== TEST 1: gzip_static with only page.html.gz: served as it is (no 404), counted as compressed
--- config
    location / {
        rum on;
        gzip_static on;
    }
    location = /s {
        rum_status;
    }
--- user_files eval
[ [ 'page.html.gz' => main::gz($main::Page) ] ]
--- request eval
["GET /page.html", "GET /s"]
--- more_headers eval
["$main::Accept\nAccept-Encoding: gzip", ""]
--- error_code eval
[200, 200]
--- response_headers_like eval
["Content-Encoding: gzip", ""]
--- response_body_like eval
[qr/\A\x1f\x8b/, '"injected":0,.*"compressed":1,']
--- no_error_log
[error]



=== TEST 2: gzip_static with both files: the clear page gets the snippet, the .gz goes as it is
--- config
    location / {
        rum on;
        gzip_static on;
    }
--- user_files eval
[ [ 'page.html' => $main::Page ], [ 'page.html.gz' => main::gz($main::Page) ] ]
--- request eval
["GET /page.html", "GET /page.html"]
--- more_headers eval
[$main::Accept, "$main::Accept\nAccept-Encoding: gzip"]
--- response_body_filters eval
[ [], [\&main::ungzip] ]
--- response_body_like eval
[ qr{^<html><head><title>t</title><script>.*</script></head><body>hello</body></html>$}s,
  qr{^<html><head><title>t</title></head><body>hello</body></html>$} ]
--- no_error_log
[error]



=== TEST 3: gzip after index: GET / is compressed like GET /index.html, with the snippet
--- config
    location / {
        rum on;
        gzip on;
        gzip_min_length 0;
    }
--- user_files eval
[ [ 'index.html' => $main::Page ] ]
--- request eval
["GET /", "GET /index.html"]
--- more_headers eval
["$main::Accept\nAccept-Encoding: gzip", "$main::Accept\nAccept-Encoding: gzip"]
--- response_headers eval
["Content-Encoding: gzip\n!Content-Length", "Content-Encoding: gzip\n!Content-Length"]
--- response_body_filters eval
\&main::ungzip
--- response_body_like eval
[ qr{^<html><head><title>t</title><script>.*</script></head><body>hello</body></html>$}s,
  qr{^<html><head><title>t</title><script>.*</script></head><body>hello</body></html>$}s ]



=== TEST 4: gzip after try_files to a proxied named location; the upstream gets no Accept-Encoding
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        default_type text/html;

        location / {
            add_header X-Backend-AE "[$http_accept_encoding]";
            return 200 "<html><head></head><body>app</body></html>";
        }
    }
--- config
    location / {
        rum on;
        gzip on;
        gzip_min_length 0;
        try_files $uri @app;
    }
    location @app {
        rum on;
        gzip on;
        gzip_min_length 0;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /nope
--- more_headers eval
"$main::Accept\nAccept-Encoding: gzip"
--- response_headers
Content-Encoding: gzip
X-Backend-AE: []
--- response_body_filters eval
\&main::ungzip
--- response_body_like chomp
^<html><head><script>.*</script></head><body>app</body></html>$



=== TEST 4b: gzip after try_files to a static page
--- config
    location / {
        rum on;
        gzip on;
        gzip_min_length 0;
        try_files $uri /index.html;
    }
--- user_files eval
[ [ 'index.html' => $main::Page ] ]
--- request
GET /nope
--- more_headers eval
"$main::Accept\nAccept-Encoding: gzip"
--- response_headers
Content-Encoding: gzip
!Content-Length
--- response_body_filters eval
\&main::ungzip
--- response_body_like chomp
^<html><head><title>t</title><script>.*</script></head><body>hello</body></html>$



=== TEST 5: SSI in a proxied page, the request body in a file, an include proxied with it
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        default_type text/html;

        location / {
            return 200 '<html><head></head><body>X<!--# include virtual="/inc/" -->Y</body></html>';
        }

        location /echo {
            return 200 "body=$content_length";
        }
    }
--- config
    location /ssi/ {
        rum on;
        ssi on;
        client_body_in_file_only on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
    location /inc/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
--- request
POST /ssi/page
abcd
--- more_headers eval
$main::Accept
--- response_body_like chomp
^<html><head><script>.*</script></head><body>Xbody=4Y</body></html>$
--- no_error_log
[crit]
[error]



=== TEST 6: slice with a Range: nginx's 206, the range of the page itself, counted as range
--- config
    location /slice/ {
        rum on;
        slice 2;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
    location = /s {
        rum_status;
    }
--- user_files eval
[ [ 't.html' => '012345678' ] ]
--- request eval
["GET /slice/t.html", "GET /s"]
--- more_headers eval
["$main::Accept\nRange: bytes=3-8", ""]
--- error_code eval
[206, 200]
--- response_headers_like eval
["Content-Range: bytes 3-8/9", ""]
--- response_body_like eval
["^345678\$", '"range":1,']



=== TEST 7: slice without a Range: the whole page, with the snippet and an exact length
--- config
    location /slice/ {
        rum on;
        slice 64;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files eval
[ [ 't.html' => "<html><head></head><body>" . ('0123456789' x 30) . "</body></html>" ] ]
--- request
GET /slice/t.html
--- more_headers eval
$main::Accept
--- response_headers_like
Content-Length: \d+
--- response_body_like eval
qr{^<html><head><script>.*</script></head><body>(0123456789){30}</body></html>$}s
--- no_error_log
[error]



=== TEST 8: HEAD then GET through a proxy_store: no empty copy is stored after HEAD
--- config
    location /rum/ {
        rum on;
        alias html/;
    }
    location /store/ {
        proxy_store on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/rum/;
    }
    location /check/ {
        alias html/store/;
    }
--- user_files eval
[ [ 't.html' => $main::Page ] ]
--- request eval
["HEAD /store/t.html", "GET /check/t.html", "GET /store/t.html", "GET /check/t.html"]
--- more_headers eval
[$main::Accept, "", $main::Accept, ""]
--- error_code eval
[200, 404, 200, 200]
--- response_headers_like eval
["Content-Length: 61", "", "", ""]
--- response_body_like eval
[ qr/^$/, qr/404/, qr{<script>.*</script></head>}s, qr{<script>.*</script></head>}s ]



=== TEST 9: ranges of a static page: 206 and 416 as without the module
--- config
    location / {
        rum on;
    }
--- user_files eval
[ [ 't.html' => $main::Page ] ]
--- request eval
["GET /t.html", "GET /t.html"]
--- more_headers eval
["$main::Accept\nRange: bytes=0-3", "$main::Accept\nRange: bytes=1000-"]
--- error_code eval
[206, 416]
--- response_body_like eval
["^<htm\$", "416"]



=== TEST 10: a page that gets the snippet has no Accept-Ranges; one that does not keeps it
--- config
    location / {
        rum on;
    }
--- user_files eval
[ [ 't.html' => $main::Page ], [ 'frag.html' => "<p>no head here</p>\n" ] ]
--- request eval
["GET /t.html", "GET /frag.html"]
--- more_headers eval
[$main::Accept, $main::Accept]
--- response_headers eval
["!Accept-Ranges", "Accept-Ranges: bytes\nContent-Length: 20"]
--- response_body_like eval
[qr{<script>}, qr{^<p>no head here</p>$}]



=== TEST 11: proxy_cache before an upstream that varies on Accept-Encoding: each client its encoding
--- http_config
    proxy_cache_path cache keys_zone=rum_cache:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        root html;

        location / {
            add_header Vary Accept-Encoding;
            add_header X-Backend-AE "[$http_accept_encoding]";
            gzip on;
            gzip_min_length 0;
        }
    }
--- config
    location /c/ {
        rum on;
        gzip on;
        gzip_min_length 0;
        proxy_cache rum_cache;
        proxy_cache_valid 200 1m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
        add_header X-Cache $upstream_cache_status;
    }
--- user_files eval
[ [ 't.html' => $main::Page ] ]
--- request eval
["GET /c/t.html", "GET /c/t.html", "GET /c/t.html"]
--- more_headers eval
["$main::Accept\nAccept-Encoding: gzip", "$main::Accept\nAccept-Encoding: deflate",
 "$main::Accept\nAccept-Encoding: gzip"]
--- response_headers eval
["X-Cache: MISS\nX-Backend-AE: []\nContent-Encoding: gzip",
 "X-Cache: HIT\n!Content-Encoding", "X-Cache: HIT\nContent-Encoding: gzip"]
--- response_body_filters eval
[ [\&main::ungzip], [], [\&main::ungzip] ]
--- response_body_like eval
[ qr{^<html><head><title>t</title><script>[^<]*</script></head><body>hello</body></html>$},
  qr{^<html><head><title>t</title><script>[^<]*</script></head><body>hello</body></html>$},
  qr{^<html><head><title>t</title><script>[^<]*</script></head><body>hello</body></html>$} ]



=== TEST 12: a range through a cache from a backend with rum on, the page received in parts: the backend keeps its Content-Length
--- http_config
    proxy_cache_path cache keys_zone=rum_parts:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        root html;
        rum on;

        location / {
            limit_rate 200k;
        }
    }
--- config
    location /c/ {
        rum on;
        proxy_cache rum_parts;
        proxy_cache_valid 200 1m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files eval
[ [ 'big.html' => join('', map { sprintf "XX%06dXX", $_ } 1 .. 7000) ] ]
--- request
GET /c/big.html
--- more_headers eval
"$main::Accept\nRange: bytes=0-19"
--- error_code: 206
--- response_body chomp
XX000001XXXX000002XX
--- timeout: 10
