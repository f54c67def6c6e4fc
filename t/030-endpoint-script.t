# The endpoint's GET and HEAD: the embedded client, plain or gzip, with a
# strong ETag per representation, Cache-Control, Vary, 304 on
# If-None-Match, and ranges; OPTIONS preflights.  (POST: 031-032.)

use lib '.';
use t::RUM;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);

repeat_each(1);
plan tests => repeat_each() * 105;

no_shuffle();
no_long_string();

# the client as the module embeds it: src/ngx_http_rum_client.h
our ($ETAG, $ETAG_GZ, $JS, $JS_GZ);
{
    open my $in, '<', 'src/ngx_http_rum_client.h'
        or die "src/ngx_http_rum_client.h: $!";
    local $/;
    my $h = <$in>;
    ($ETAG) = $h =~ /#define NGX_HTTP_RUM_CLIENT_ETAG\s+"\\"([^"\\]+)\\""/
        or die "no ETag in the client header";
    $ETAG_GZ = qq{"$ETAG.gz"};
    $ETAG = qq{"$ETAG"};
    for my $which (['', \$JS], ['_gz', \$JS_GZ]) {
        my ($suffix, $ref) = @$which;
        $h =~ /ngx_http_rum_client_js$suffix\[\] = \{(.*?)\};/s
            or die "no ngx_http_rum_client_js$suffix";
        $$ref = pack 'C*', map { hex } $1 =~ /0x([0-9a-fA-F]{2})/g;
    }
}

# --- gunzip_is_client: the response (of the request with this index)
# inflates to the plain client, byte for byte
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    my $idx = $block->gunzip_is_client;
    return unless defined $idx;
    return unless $req_idx == $idx;
    my $name = $block->name;
    if ($dry_run) {
      SKIP: { Test::More::skip("$name - gunzip skipped", 2) }
        return;
    }
    Test::More::is(substr($body, 0, 2), "\x1f\x8b", "$name - a gzip stream");
    my $plain;
    gunzip(\$body => \$plain) or $plain = "gunzip failed: $GunzipError";
    Test::More::ok($plain eq $JS, "$name - inflates to the plain client ("
                   . length($JS) . " bytes)");
});

run_tests();

__DATA__

=== TEST 1: GET: the plain client, its type, ETag, Cache-Control, Vary, CORS
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request
GET /rum
--- error_code: 200
--- response_headers eval
"Content-Type: application/javascript; charset=utf-8
ETag: $main::ETAG
Cache-Control: public, max-age=3600, stale-while-revalidate=86400
Vary: Accept-Encoding
Access-Control-Allow-Origin: *
Content-Length: " . length($main::JS) . "
!Content-Encoding"
--- response_body eval
$main::JS
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: GET with Accept-Encoding: gzip: the gzip representation, its own ETag
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request
GET /rum
--- more_headers
Accept-Encoding: gzip, deflate, br
--- error_code: 200
--- response_headers eval
"Content-Type: application/javascript; charset=utf-8
Content-Encoding: gzip
ETag: $main::ETAG_GZ
Cache-Control: public, max-age=3600, stale-while-revalidate=86400
Vary: Accept-Encoding
Content-Length: " . length($main::JS_GZ)
--- gunzip_is_client: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 3: the two ETags are strong and differ
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request eval
["GET /rum", "GET /rum"]
--- more_headers eval
["", "Accept-Encoding: gzip"]
--- error_code eval
[200, 200]
--- raw_response_headers_like eval
[qr/\r\nETag: "[^"]+"\r\n/, qr/\r\nETag: "[^"]+\.gz"\r\n/]
--- gunzip_is_client: 1



=== TEST 4: Accept-Encoding without gzip, or gzip;q=0: plain
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request eval
["GET /rum", "GET /rum", "GET /rum"]
--- more_headers eval
["Accept-Encoding: br", "Accept-Encoding: gzip;q=0", "Accept-Encoding: identity"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
[ ("!Content-Encoding\nETag: $main::ETAG") x 3 ]
--- response_body eval
[ ($main::JS) x 3 ]



=== TEST 5: HEAD: the same headers, no body
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request eval
["HEAD /rum", "HEAD /rum"]
--- more_headers eval
["", "Accept-Encoding: gzip"]
--- error_code eval
[200, 200]
--- response_headers eval
[ "Content-Type: application/javascript; charset=utf-8\nETag: $main::ETAG\n"
  . "Content-Length: " . length($main::JS) . "\nVary: Accept-Encoding\n"
  . "Cache-Control: public, max-age=3600, stale-while-revalidate=86400\n!Content-Encoding",
  "Content-Type: application/javascript; charset=utf-8\nETag: $main::ETAG_GZ\n"
  . "Content-Length: " . length($main::JS_GZ) . "\nContent-Encoding: gzip" ]
--- response_body eval
["", ""]
--- no_error_log
[error]



=== TEST 6: If-None-Match with the representation's tag: 304, with ETag, Cache-Control and Vary, no body
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request eval
["GET /rum", "GET /rum"]
--- more_headers eval
["If-None-Match: $main::ETAG", "Accept-Encoding: gzip\nIf-None-Match: $main::ETAG_GZ"]
--- error_code eval
[304, 304]
--- response_headers eval
[ "ETag: $main::ETAG\nCache-Control: public, max-age=3600, stale-while-revalidate=86400\nVary: Accept-Encoding\n!Content-Encoding\n!Content-Length",
  "ETag: $main::ETAG_GZ\nCache-Control: public, max-age=3600, stale-while-revalidate=86400\nVary: Accept-Encoding\n!Content-Encoding\n!Content-Length" ]
--- response_body eval
["", ""]
--- no_error_log
[error]



=== TEST 7: If-None-Match: a list, *, a weak form of the tag: 304; the other representation's tag or a stale one: 200
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request eval
[ ("GET /rum") x 6 ]
--- more_headers eval
[ "If-None-Match: \"stale\", $main::ETAG",
  "If-None-Match: *",
  "If-None-Match: W/$main::ETAG",
  "If-None-Match: $main::ETAG_GZ",
  "Accept-Encoding: gzip\nIf-None-Match: $main::ETAG",
  "If-None-Match: \"0000000000000000\"" ]
--- error_code eval
[304, 304, 304, 200, 200, 200]



=== TEST 8: a range of the client: 206
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request
GET /rum
--- more_headers
Range: bytes=0-9
--- error_code: 206
--- response_headers eval
"Content-Range: bytes 0-9/" . length($main::JS) . "\nContent-Length: 10"
--- response_body eval
substr($main::JS, 0, 10)



=== TEST 9: OPTIONS preflight: 204 with the Access-Control-* headers
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request
OPTIONS /rum
--- more_headers
Origin: https://shop.example
Access-Control-Request-Method: POST
Access-Control-Request-Headers: content-type, content-encoding
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: *
Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS
Access-Control-Allow-Headers: Content-Type, Content-Encoding
Access-Control-Max-Age: 86400
--- response_body
--- no_error_log
[error]
[alert]
[crit]



=== TEST 10: the counters: scripts served (304 included) and not modified, preflights
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request eval
["GET /rum", "GET /rum", "HEAD /rum", "GET /rum", "OPTIONS /rum", "GET /status"]
--- more_headers eval
["", "Accept-Encoding: gzip", "", "If-None-Match: $main::ETAG", "", ""]
--- error_code eval
[200, 200, 200, 304, 204, 200]
--- response_body_like eval
[ "", "", "", "", "",
  qr/"preflights":1,.*"scripts":\{"served":4,"not_modified":1\}\}/ ]
