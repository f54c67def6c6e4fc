# Compression: nginx's gzip compresses the page with the snippet in it; an
# upstream that gzips its HTML is asked for it in clear (Accept-Encoding is
# not passed on), and the client still gets gzip when it asked for it.

use lib '.';
use t::RUM;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);

repeat_each(1);
plan tests => repeat_each() * (blocks() * 3 + 5);

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
        }
_EOC_

sub ungzip {
    my $in = shift;
    my $out;
    gunzip(\$in => \$out) or return "gunzip failed: $GunzipError";
    return $out;
}

run_tests();

__DATA__

=== TEST 1: gzip on towards the client: compressed page carries the snippet
--- config
    location / {
        rum on;
        gzip on;
        gzip_min_length 0;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request
GET /index.html
--- more_headers
Accept-Encoding: gzip
--- response_headers
Content-Encoding: gzip
!Content-Length
--- response_body_filters eval
\&main::ungzip
--- response_body_like chomp
^<html><head><title>t</title><script>\(function[^<]*"CRUM"\)</script></head><body>hello</body></html>$



=== TEST 2: a gzip-ing upstream: the snippet arrives, gzip towards the client
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        root html;
        types {
            text/html html;
        }
        gzip on;
        gzip_min_length 0;
        add_header X-Backend-AE "[$http_accept_encoding]";
    }
--- config
    location /p/ {
        rum on;
        gzip on;
        gzip_min_length 0;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files
>>> index.html
<html><head></head><body>hello</body></html>
--- request
GET /p/index.html
--- more_headers
Accept: text/html,application/xhtml+xml,*/*;q=0.8
Accept-Encoding: gzip, deflate, br
--- response_headers
Content-Encoding: gzip
X-Backend-AE: []
--- response_body_filters eval
\&main::ungzip
--- response_body_like chomp
^<html><head><script>\(function[^<]*"CRUM"\)</script></head><body>hello</body></html>$



=== TEST 3: a gzip-ing upstream, a client without gzip: plain page with the snippet
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        root html;
        types {
            text/html html;
        }
        gzip on;
        gzip_min_length 0;
    }
--- config
    location /p/ {
        rum on;
        gzip on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files
>>> index.html
<html><head></head><body>hello</body></html>
--- request
GET /p/index.html
--- response_headers
!Content-Encoding
--- response_body_like chomp
^<html><head><script>\(function[^<]*"CRUM"\)</script></head><body>hello</body></html>$



=== TEST 4: scripts keep the upstream's compression (Accept without html)
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "[$http_accept_encoding]";
        }
    }
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- request
GET /p/app.js
--- more_headers
Accept: */*
Accept-Encoding: gzip
--- response_body chomp
[gzip]



=== TEST 5: a compressed page that still arrives is passed on untouched and logged
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header Content-Encoding gzip;
            default_type text/html;
            return 200 "not really gzip";
        }
    }
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
    location = /status {
        rum_status;
    }
--- request
GET /p/a
--- response_body chomp
not really gzip
--- error_log
rum: a page came with "Content-Encoding: gzip" and is passed on without the snippet
proxy_set_header Accept-Encoding



=== TEST 6: ... and counted
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header Content-Encoding gzip;
            default_type text/html;
            return 200 "not really gzip";
        }
    }
--- config
    location /p/ {
        rum on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
    location = /status {
        rum_status;
    }
--- request eval
["GET /p/a", "GET /p/b", "GET /status"]
--- response_body_like eval
["^not really gzip\$", "^not really gzip\$", '"compressed":2']
