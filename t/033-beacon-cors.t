# CORS of the endpoint: any origin by default (Access-Control-Allow-Origin:
# *); with a rum_cors_origins list, a listed origin is echoed with
# Vary: Origin, another gets 403 (counted as origin), a request without
# Origin is allowed.

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * 84;

no_shuffle();
no_long_string();

sub post { "POST /rum\n" . shift }

run_tests();

__DATA__

=== TEST 1: default: any origin, Access-Control-Allow-Origin: *, no Vary: Origin
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
[ main::post('{"id":"any-1"}'), main::post('{"id":"any-2"}') ]
--- more_headers eval
[ "Origin: https://anything.example", "" ]
--- error_code eval
[204, 204]
--- response_headers eval
[ "Access-Control-Allow-Origin: *\n!Vary", "Access-Control-Allow-Origin: *\n!Vary" ]
--- stream_len: 2
--- no_error_log
[error]



=== TEST 2: rum_cors_origins *: the same
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins *;
    }
--- redis_before
FLUSHALL
--- request eval
main::post('{"id":"star-1"}')
--- more_headers
Origin: https://anything.example
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: *
--- stream_len: 1



=== TEST 3: a listed origin is echoed, with Vary: Origin, and the beacon queued
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example http://localhost:8080;
    }
--- redis_before
FLUSHALL
--- request eval
[ main::post('{"id":"ok-1"}'), main::post('{"id":"ok-2"}') ]
--- more_headers eval
[ "Origin: https://shop.example", "Origin: http://localhost:8080" ]
--- error_code eval
[204, 204]
--- response_headers eval
[ "Access-Control-Allow-Origin: https://shop.example\nVary: Origin",
  "Access-Control-Allow-Origin: http://localhost:8080\nVary: Origin" ]
--- stream_len: 2
--- stream_like
^v=1 ts=\d+ id=ok-1 kind=sample payload=
^v=1 ts=\d+ id=ok-2 kind=sample payload=
--- no_error_log
[error]



=== TEST 4: an origin not listed: 403, logged at info, no entry
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example;
    }
--- redis_before
FLUSHALL
--- request eval
main::post('{"id":"evil-1"}')
--- more_headers
Origin: https://evil.example
--- error_code: 403
--- response_headers
!Access-Control-Allow-Origin
--- stream_len: 0
--- error_log eval
qr/\[info\] .*rum: origin "https:\/\/evil\.example" is not in rum_cors_origins/
--- no_error_log
[error]



=== TEST 5: look-alike origins are not listed ones; each 403 is counted as origin, before the body is looked at
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[ main::post('{"id":"x-1"}'), main::post('{"id":"x-2"}'),
  main::post('{"id":"x-3"}'), main::post('{"id":"x-4"}'),
  main::post('{"id":"x-5"}'), main::post('not json at all'),
  "GET /status" ]
--- more_headers eval
[ "Origin: https://shop.example.evil.example",
  "Origin: http://shop.example",
  "Origin: https://shop.example:8443",
  "Origin: null",
  "Origin: https://shop.exampl",
  "Origin: https://evil.example",
  "" ]
--- error_code eval
[403, 403, 403, 403, 403, 403, 200]
--- response_body_like eval
[ ('') x 6, qr/"accepted":0,"preflights":0,"rejected":\{"method":0,"origin":6,"too_large":0,"encoding":0,"invalid":0,/ ]
--- stream_len: 0
--- no_error_log
[error]



=== TEST 6: no Origin header (same-origin, no-cors): allowed, Vary: Origin, no Access-Control-Allow-Origin
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example;
    }
--- redis_before
FLUSHALL
--- request eval
main::post('{"id":"same-1"}')
--- error_code: 204
--- response_headers
Vary: Origin
!Access-Control-Allow-Origin
--- stream_len: 1
--- no_error_log
[error]



=== TEST 7: preflights: a listed origin gets 204 and the echo, another 403; counted as preflights / origin
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ "OPTIONS /rum", "OPTIONS /rum", "GET /status" ]
--- more_headers eval
[ "Origin: https://shop.example\nAccess-Control-Request-Method: POST",
  "Origin: https://evil.example\nAccess-Control-Request-Method: POST",
  "" ]
--- error_code eval
[204, 403, 200]
--- response_headers eval
[ "Access-Control-Allow-Origin: https://shop.example\nVary: Origin\nAccess-Control-Allow-Methods: GET, HEAD, POST, OPTIONS\nAccess-Control-Allow-Headers: Content-Type, Content-Encoding\nAccess-Control-Max-Age: 86400",
  "!Access-Control-Allow-Origin\n!Access-Control-Allow-Methods",
  "" ]
--- response_body_like eval
[ '', '', qr/"preflights":1,"rejected":\{"method":0,"origin":1,/ ]
--- no_error_log
[error]



=== TEST 8: the client script: a listed origin gets it with the echo and both Vary values; another 403
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example;
    }
--- request eval
[ "GET /rum", "GET /rum" ]
--- more_headers eval
[ "Origin: https://shop.example\nAccept-Encoding: gzip", "Origin: https://evil.example" ]
--- error_code eval
[200, 403]
--- raw_response_headers_like eval
[ qr/\A(?=(?s:.*)\r\nAccess-Control-Allow-Origin: https:\/\/shop\.example\r\n)(?=(?s:.*)\r\nVary: Origin\r\n)(?=(?s:.*)\r\nVary: Accept-Encoding\r\n)/,
  qr/^HTTP\/1\.1 403 / ]
--- no_error_log
[error]



=== TEST 9: rum_cors_origins is inherited from the server; a location's own list replaces it
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    rum_cors_origins https://shop.example;
    location = /rum {
        rum_endpoint;
    }
    location = /rum2 {
        rum_endpoint;
        rum_cors_origins https://blog.example;
    }
--- redis_before
FLUSHALL
--- request eval
[ "POST /rum\n{\"id\":\"i-1\"}", "POST /rum\n{\"id\":\"i-2\"}",
  "POST /rum2\n{\"id\":\"i-3\"}", "POST /rum2\n{\"id\":\"i-4\"}" ]
--- more_headers eval
[ "Origin: https://shop.example", "Origin: https://blog.example",
  "Origin: https://blog.example", "Origin: https://shop.example" ]
--- error_code eval
[204, 403, 204, 403]
--- stream_len: 2
--- stream_like
^v=1 ts=\d+ id=i-1 kind=sample payload=
^v=1 ts=\d+ id=i-3 kind=sample payload=
