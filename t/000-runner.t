# Self-test of the test scaffolding: the lite Test::Nginx::Socket in t/lib
# (used when the CPAN one is absent) and the Redis helpers of t/RUM.pm.
# Plain nginx only, no module of ours.  Must pass with both runners:
#   prove -It/lib t/000-runner.t
#   prove t/000-runner.t          (with the real Test::Nginx installed)

# plain nginx: this file tests the scaffolding, not the module
BEGIN { delete $ENV{TEST_NGINX_LOAD_MODULES} }

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * 47;

no_shuffle();
no_long_string();
run_tests();

__DATA__

=== TEST 1: return, headers, body
--- config
    location = /hello {
        add_header X-Test yes;
        return 200 "hello";
    }
--- request
GET /hello
--- error_code: 200
--- response_headers
X-Test: yes
Content-Length: 5
!X-Absent
--- response_body chomp
hello
--- no_error_log
[error]
[alert]



=== TEST 2: error_code, response_body_like, response_headers_like
--- config
    location = /gone {
        return 410;
    }
--- request
GET /gone
--- error_code: 410
--- response_headers_like
Content-Type: text/html.*
--- response_body_like: 410 Gone



=== TEST 3: more_headers reach nginx; error_log lines and regexes
--- config
    location = /h {
        error_log logs/error.log info;
        return 200 "ua=$http_user_agent x=$http_x_foo";
    }
--- request
GET /h
--- more_headers
User-Agent: runner-test
X-Foo: bar
--- response_body chomp
ua=runner-test x=bar
--- error_log eval
[qr/\[debug\] .*http request line: "GET \/h HTTP\/1\.1"/,
 'http header: "X-Foo: bar"']



=== TEST 4: raw_request
--- config
    location = /raw {
        return 200 "method=$request_method";
    }
--- raw_request eval
"PUT /raw HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- response_body chomp
method=PUT



=== TEST 5: user_files into the html dir
--- config
    location /static/ {
        root html;
    }
--- user_files
>>> static/a.txt
file A
>>> static/sub/b.txt
file B
--- request
GET /static/sub/b.txt
--- response_body
file B



=== TEST 6: POST body (proxied, then sent back in a header)
--- config
    location = /post {
        client_body_buffer_size 64k;
        proxy_set_header X-Body $request_body;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/back;
    }
    location = /back {
        return 200 "got [$http_x_body] $http_content_length";
    }
--- request
POST /post
a=1&b=2
--- response_body chomp
got [a=1&b=2] 7



=== TEST 7: chunked response (length unknown to nginx) is decoded
--- config
    location /static/ {
        root html;
        sub_filter_types text/plain;
        sub_filter one ONE;
    }
--- user_files
>>> static/c.txt
line one
line two
--- request
GET /static/c.txt
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
line ONE
line two



=== TEST 8: gzip is not decoded
--- config
    location = /z {
        gzip on;
        gzip_min_length 1;
        gzip_types text/plain;
        return 200 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    }
--- request
GET /z
--- more_headers
Accept-Encoding: gzip
--- response_headers
Content-Encoding: gzip
--- response_body_like: ^\x1f\x8b



=== TEST 9: request eval, http_config, $TEST_NGINX_SERVER_PORT
--- http_config
    map $uri $tag {
        default  plain;
        /tagged  tagged;
    }
--- config
    location = /tagged {
        return 200 "$tag $server_port";
    }
--- request eval
"GET /tagged"
--- response_body eval
"tagged $ENV{TEST_NGINX_SERVER_PORT}"



=== TEST 10: Redis helpers: redis_before, stream sections, redis()
--- config
    location = /port {
        return 200 "redis on $TEST_NGINX_REDIS_PORT";
    }
--- redis_before
FLUSHALL
SET greeting "hello world"
XADD rum:test * kind sample id b1 payload "{\"a\":1}"
XADD rum:test * kind entries id b2 payload "line\nbreak"
--- request
GET /port
--- response_body_like: ^redis on \d+$
--- stream_key: rum:test
--- stream_len: 2
--- stream_like
^kind=sample id=b1 payload=\{"a":1\}$
^kind=entries id=b2 payload=line\\nbreak$
--- stream_unlike
id=b3
--- stream_check
my @e = @_;
main::is($e[1]{payload}, "line\nbreak", "entry 2 payload");
main::is(t::RUM::redis('GET', 'greeting'), 'hello world', "redis() GET");



=== TEST 11: Redis STOP and START; redis_after runs before the checks
--- config
    location = /t {
        return 204;
    }
--- redis_before
FLUSHALL
STOP
--- request
GET /t
--- error_code: 204
--- redis_after
START
XADD rum:beacons * id late
--- stream_len: 1
--- stream_like
^id=late$



=== TEST 12: pipelined requests on one connection, and --- wait
--- config
    location = /p {
        return 200 "p=$arg_n";
    }
--- pipelined_requests eval
["GET /p?n=1", "GET /p?n=2"]
--- response_body eval
["p=1", "p=2"]
--- wait: 0.1



=== TEST 13: shutdown_error_log is read after nginx stops
--- config
    location = /q {
        return 200 "q";
    }
--- request
GET /q
--- response_body chomp
q
--- shutdown_error_log
signal 3 (SIGQUIT) received
