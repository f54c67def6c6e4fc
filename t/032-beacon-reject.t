# Beacons that are refused: each gets its status code and its counter
# (beacons.rejected.REASON in /status, read in the same block), an info
# line at most, nothing in the stream, no crash.

use lib '.';
use t::RUM;
use IO::Compress::Gzip qw(gzip $GzipError);

repeat_each(1);
plan tests => repeat_each() * 407;

no_shuffle();
no_long_string();

sub gz {
    my $in = shift;
    my $out;
    gzip(\$in => \$out, Minimal => 1) or die "gzip: $GzipError";
    return $out;
}

my @REASONS = qw(method origin too_large encoding invalid not_object too_deep
                 too_long utf8 field queue_full error);

# the exact "rejected" object of the status JSON: the counts given, 0 else
sub rejected {
    my %n = @_;
    for my $k (keys %n) {
        next if $k eq 'accepted';
        die "unknown reason $k" unless grep { $_ eq $k } @REASONS;
    }
    my $s = join ',', map { qq{"$_":} . ($n{$_} || 0) } @REASONS;
    return qr/"accepted":\Q$n{accepted}\E,"preflights":0,"rejected":\{\Q$s\E\}/
        if defined $n{accepted};
    return qr/"rejected":\{\Q$s\E\}/;
}

sub post { "POST /rum\n" . shift }

our $DEEP_OK  = ('{"a":' x 32) . '1' . ('}' x 32);     # 32 levels, the root one
our $DEEP_BAD = ('{"a":' x 32) . '[1]' . ('}' x 32);   # 33

run_tests();

__DATA__

=== TEST 1: not JSON: 400, counted as invalid, logged at info, no entry
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request
POST /rum
this is not json
--- error_code: 400
--- stream_len: 0
--- error_log
[info]
rum: beacon rejected: invalid at byte
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: JSON that is not an object, too deep, a bad id/kind/seq, a long string or key, not UTF-8: 400 each, one counter each
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_extract * *;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[
    main::post('[1,2,3]'),                                  # not_object
    main::post('"a string"'),                               # not_object
    main::post('42'),                                       # not_object
    main::post('null'),                                     # not_object
    main::post($main::DEEP_BAD),                            # too_deep
    main::post('{"id":"has space"}'),                       # field
    main::post('{"id":"' . ('i' x 65) . '"}'),              # field
    main::post('{"id":12}'),                                # field
    main::post('{"id":""}'),                                # field
    main::post('{"kind":"Sample"}'),                        # field
    main::post('{"kind":"' . ('k' x 33) . '"}'),            # field
    main::post('{"kind":null}'),                            # field
    main::post('{"seq":"1"}'),                              # field
    main::post('{"seq":-1}'),                               # field
    main::post('{"seq":1.5}'),                              # field
    main::post('{"seq":01}'),                               # invalid JSON
    main::post('{"seq":1234567890123456}'),                 # field
    main::post('{"s":"' . ('x' x 16385) . '"}'),            # too_long
    main::post('{"' . ('k' x 257) . '":1}'),                # too_long
    main::post("{\"s\":\"\xff\xfe\"}"),                     # utf8
    main::post("{\"s\":\"\xc0\xaf\"}"),                     # utf8 (overlong)
    main::post("{\"s\":\"\xed\xa0\x80\"}"),                 # utf8 (surrogate)
    main::post("{\"k\xe9y\":1}"),                           # utf8 in a key
    "GET /status",
]
--- error_code eval
[ (400) x 23, 200 ]
--- response_body_like eval
[ ('') x 23, main::rejected(accepted => 0, not_object => 4, too_deep => 1,
                            field => 11, invalid => 1, too_long => 2,
                            utf8 => 4) ]
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 3: the limits themselves are accepted: 32 levels, 16 KiB strings, 256-byte keys, 64-byte ids, 15-digit seq
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
[
    main::post($main::DEEP_OK),
    main::post('{"s":"' . ('x' x 16384) . '"}'),
    main::post('{"' . ('k' x 256) . '":1}'),
    main::post('{"id":"' . ('i' x 64) . '"}'),
    main::post('{"id":"A-z_0.9:x","kind":"' . ('k' x 32) . '","seq":123456789012345}'),
    main::post('{"seq":0}'),
]
--- error_code eval
[ (204) x 6 ]
--- stream_len: 6
--- stream_like
^v=1 ts=\d+ id=A-z_0\.9:x kind=k{32} seq=123456789012345 payload=
^v=1 ts=\d+ id=n-\S+ kind=sample seq=0 payload=
--- no_error_log
[error]



=== TEST 4: a gzip body that is not gzip, truncated or with garbage after it: 400, counted as encoding
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
my $g = main::gz('{"id":"g-1","pad":"' . ('p' x 2000) . '"}');
[
    main::post('{"id":"plain-not-gzip"}'),
    main::post(substr($g, 0, length($g) - 12)),
    main::post($g . 'garbage'),
    "GET /status",
]
--- more_headers eval
[ ("Content-Encoding: gzip") x 3, "" ]
--- error_code eval
[ 400, 400, 400, 200 ]
--- response_body_like eval
[ '', '', '', main::rejected(accepted => 0, encoding => 3) ]
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 5: a gzip bomb (10 MB of spaces in ~10 KB): 413, counted as too_large, no entry
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[
    main::post(main::gz('{"id":"bomb","x":"' . (' ' x 10_000_000) . '"}')),
    "GET /status",
]
--- more_headers eval
[ "Content-Encoding: gzip", "" ]
--- error_code eval
[ 413, 200 ]
--- response_body_like eval
[ '', main::rejected(accepted => 0, too_large => 1) ]
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 5b: the gzip bomb is logged at info
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request eval
main::post(main::gz('{"id":"bomb","x":"' . (' ' x 1_000_000) . '"}'))
--- more_headers
Content-Encoding: gzip
--- error_code: 413
--- error_log eval
qr/\[info\] .*rum: gzip beacon inflates beyond rum_max_body 65536/



=== TEST 6: a gzip body that inflates to rum_max_body exactly is accepted; one byte more is 413
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
--- redis_before
FLUSHALL
--- request eval
my $fit = '{"id":"fit","x":"' . ('a' x (1024 - 19)) . '"}';
my $big = '{"id":"big","x":"' . ('a' x (1024 - 18)) . '"}';
die "bad sizes" unless length($fit) == 1024 && length($big) == 1025;
[ main::post(main::gz($fit)), main::post(main::gz($big)) ]
--- more_headers eval
[ "Content-Encoding: gzip", "Content-Encoding: gzip" ]
--- error_code eval
[ 204, 413 ]
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=fit kind=sample payload=
--- no_error_log
[error]



=== TEST 7: Content-Encoding br, deflate or a list: 415, counted as encoding; gzip in capitals is gzip
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[
    main::post('{"id":"br-1"}'),
    main::post('{"id":"deflate-1"}'),
    main::post('{"id":"list-1"}'),
    main::post(main::gz('{"id":"caps-1"}')),
    "GET /status",
]
--- more_headers eval
[ "Content-Encoding: br", "Content-Encoding: deflate",
  "Content-Encoding: gzip, identity", "Content-Encoding: GZIP", "" ]
--- error_code eval
[ 415, 415, 415, 204, 200 ]
--- response_body_like eval
[ '', '', '', '', main::rejected(accepted => 1, encoding => 3) ]
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=caps-1 kind=sample payload=\{"id":"caps-1"\}$
--- no_error_log
[error]
[alert]
[crit]



=== TEST 8: a body over rum_max_body with Content-Length: 413, counted as too_large, no [error] line
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[
    main::post('{"id":"cl-big","x":"' . ('a' x 1100) . '"}'),
    "GET /status",
]
--- error_code eval
[ 413, 200 ]
--- response_body_like eval
[ '', main::rejected(accepted => 0, too_large => 1) ]
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 8b: the too large body is logged at info, naming rum_max_body
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
--- request eval
main::post('{"id":"cl-big","x":"' . ('a' x 1100) . '"}')
--- error_code: 413
--- error_log eval
qr/\[info\] .*rum_max_body/
--- no_error_log
[error]



=== TEST 9: a chunked body over rum_max_body: 413, counted as too_large, no [error] line
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
my $body = '{"id":"chunked-big","x":"' . ('a' x 1100) . '"}';
my $chunked = CORE::join '', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                       unpack('(a300)*', $body);
[ "POST /rum\n${chunked}0\r\n\r\n", "GET /status" ]
--- more_headers eval
[ "Transfer-Encoding: chunked", "" ]
--- error_code eval
[ 413, 200 ]
--- response_body_like eval
[ '', main::rejected(accepted => 0, too_large => 1) ]
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 10: a chunked body within rum_max_body is a beacon
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
--- redis_before
FLUSHALL
--- request eval
my $body = '{"id":"chunked-ok","x":"' . ('a' x 900) . '"}';
my $chunked = CORE::join '', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                       unpack('(a100)*', $body);
"POST /rum\n${chunked}0\r\n\r\n"
--- more_headers
Transfer-Encoding: chunked
--- error_code: 204
--- stream_len: 1
--- stream_check
my ($e) = @_;
main::is($e->{payload}, '{"id":"chunked-ok","x":"' . ('a' x 900) . '"}', 'chunks joined byte for byte');
--- no_error_log
[error]



=== TEST 10b: a 70 KB chunked beacon is refused as it arrives, before any temporary file
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
--- request eval
my $body = '{"id":"chunked-70k","x":"' . ('a' x 70000) . '"}';
my $chunked = CORE::join '', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                       unpack('(a4000)*', $body);
"POST /rum\n${chunked}0\r\n\r\n"
--- more_headers
Transfer-Encoding: chunked
--- error_code: 413
--- error_log
beacon body larger than rum_max_body 1024
--- no_error_log
buffered to a temporary file
[error]



=== TEST 10c: the 413 comes as soon as a chunked body passes rum_max_body, not at its end
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1k;
    }
--- raw_request eval
"POST /rum HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
. ("400\r\n" . ('a' x 1024) . "\r\n") x 2
--- timeout: 5
--- error_code: 413
--- error_log
beacon body larger than rum_max_body 1024



=== TEST 11: the queue is full (Redis unreachable, rum_queue 1k): 503 with Retry-After: 1, counted as queue_full
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    rum_queue 1k;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ (map { main::post("{\"id\":\"full-$_\",\"pad\":\"" . ('x' x 200) . '"}') } 1 .. 4),
  "GET /status" ]
--- error_code eval
[ 204, 204, 503, 503, 200 ]
--- response_headers eval
[ "!Retry-After", "!Retry-After",
  "Retry-After: 1\nAccess-Control-Allow-Origin: *",
  "Retry-After: 1\nAccess-Control-Allow-Origin: *", "" ]
--- response_body_like eval
[ '', '', '', '', qr/"accepted":2,.*"queue_full":2,.*"queue":\{"entries":2,"bytes":[1-9]\d*\}/ ]
--- no_error_log
[alert]
[crit]



=== TEST 12: hostile input: each its status and counter, nothing in the stream
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 1m;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[
    main::post('{"id":"trunc","a":[1,2'),                   # invalid
    main::post('{"id":"trunc2","s":"abc'),                  # invalid
    main::post('{"id":'),                                   # invalid
    main::post('{"a":' . ('[' x 100000) . (']' x 100000) . '}'),  # too_deep
    main::post(('{"a":' x 100000) . '1' . ('}' x 100000)),  # too_deep
    main::post('[' x 65536),                                # not_object
    main::post('{"s":"' . ('x' x 60000) . '"}'),            # too_long
    main::post("{\"s\":\"a\x00b\"}"),                       # invalid (NUL)
    main::post("{\"id\":\"nul\"}\x00"),                     # invalid (NUL after)
    main::post('{"id":"tail"} garbage'),                    # invalid
    main::post('{"id":"two"}{"id":"three"}'),               # invalid
    main::post('{"id":"comment"} /* c */'),                 # invalid
    main::post("\xef\xbb\xbf{\"id\":\"bom\"}"),             # invalid (BOM)
    main::post('{"a":1,}'),                                 # invalid
    main::post("{'a':1}"),                                  # invalid
    main::post('{"a":NaN}'),                                # invalid
    main::post('{"a":"\u00"}'),                             # invalid
    "POST /rum",                                            # empty: invalid
    "GET /status",
]
--- more_headers eval
[ ("Content-Type: text/plain") x 17, "Content-Length: 0", "" ]
--- error_code eval
[ (400) x 18, 200 ]
--- response_body_like eval
[ ('') x 18, main::rejected(accepted => 0, invalid => 14, too_deep => 2,
                            not_object => 1, too_long => 1) ]
--- stream_len: 0
--- no_error_log
[alert]
[crit]
[emerg]



=== TEST 13: a client that sends less than its Content-Length and goes away: nothing queued, no crash
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- raw_request eval
"POST /rum HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"id\":\"short\""
--- timeout: 0.5
--- abort
--- ignore_response
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 14: PUT, DELETE, PATCH: 405 with Allow, counted as method, no entry
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[ "PUT /rum\n{\"id\":\"put-1\"}", "DELETE /rum", "PATCH /rum\n{\"id\":\"patch-1\"}",
  "GET /status" ]
--- error_code eval
[ 405, 405, 405, 200 ]
--- response_headers eval
[ "Allow: GET, HEAD, POST, OPTIONS", "Allow: GET, HEAD, POST, OPTIONS",
  "Allow: GET, HEAD, POST, OPTIONS", "" ]
--- response_body_like eval
[ '', '', '', main::rejected(accepted => 0, method => 3) ]
--- stream_len: 0
--- no_error_log
[error]
[alert]
[crit]



=== TEST 15: rum_stream evaluating to an empty key: 500, counted as error, no entry
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream $http_x_tenant;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[ main::post('{"id":"nokey-1"}'), main::post('{"id":"key-1"}'), "GET /status" ]
--- more_headers eval
[ "", "X-Tenant: rum:t1", "" ]
--- error_code eval
[ 500, 204, 200 ]
--- response_body_like eval
[ '', '', main::rejected(accepted => 1, error => 1) ]
--- stream_key: rum:t1
--- stream_len: 1
--- no_error_log
[alert]
[crit]
