# nginx's own limit_req in front of the endpoint (conf-examples/
# rate-limit.conf): beacons past the rate get 429, which the client retries
# with backoff (js/test/transport.test.mjs); the client script and CORS
# preflights are not limited; what was refused never reaches the stream.

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * 22;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: past the burst, beacons get 429 and stay out of the stream
--- http_config
    map $request_method $rum_beacon_limit {
        POST     $binary_remote_addr;
        default  "";
    }
    limit_req_zone $rum_beacon_limit zone=rum_beacons:1m rate=1r/m;
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        limit_req zone=rum_beacons burst=2 nodelay;
        limit_req_status 429;
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
[ (map { "POST /rum\n{\"id\":\"limited-$_\"}" } 1 .. 5),
  "GET /rum", "GET /rum" ]
--- error_code eval
[204, 204, 204, 429, 429, 200, 200]
--- stream_len: 3
--- stream_check
my @ids = map { $_->{id} } @_;
main::is("@ids", 'limited-1 limited-2 limited-3', 'the first three');
--- no_error_log
[crit]



=== TEST 2: preflights are not limited either
--- http_config
    map $request_method $rum_beacon_limit {
        POST     $binary_remote_addr;
        default  "";
    }
    limit_req_zone $rum_beacon_limit zone=rum_beacons:1m rate=1r/m;
--- config
    location = /rum {
        limit_req zone=rum_beacons nodelay;
        limit_req_status 429;
        rum_endpoint;
        rum_cors_origins https://www.example.com;
    }
--- request eval
[ map { "OPTIONS /rum" } 1 .. 3 ]
--- more_headers
Origin: https://www.example.com
Access-Control-Request-Method: POST
Access-Control-Request-Headers: content-encoding
--- error_code eval
[204, 204, 204]
--- no_error_log
limiting requests
