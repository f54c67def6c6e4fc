# Beacons that are accepted: 204, and exactly one stream entry each, with
# the fields of README's "The stream entry" in order and the payload byte
# for byte as received (inflated when it came gzip-compressed).

use lib '.';
use t::RUM;
use IO::Compress::Gzip qw(gzip $GzipError);

repeat_each(1);
plan tests => repeat_each() * 218;

no_shuffle();
no_long_string();

sub slurp {
    my $f = shift;
    open my $in, '<:raw', $f or die "$f: $!";
    local $/;
    my $s = <$in>;
    close $in;
    # the runners trim the request body: compare with what was sent
    $s =~ s/^\s+|\s+\z//g;
    return $s;
}

our $SMALL = slurp('t/data/beacon-small.json');
our $B8    = slurp('t/data/beacon-8.json');
our $B60   = slurp('t/data/beacon-60.json');

sub gz {
    my $in = shift;
    my $out;
    gzip(\$in => \$out, Minimal => 1) or die "gzip: $GzipError";
    return $out;
}

# the seed-shaped beacons' metrics, in document order
our $METRICS = 'fp=0 fcp=812\.5 cls=0\.1 lcp=1234\.5 fid=3\.8000000715255737'
    . ' inp=56 ttfb=120\.2 responseTime=30\.5 domContentLoadedEventStart=905'
    . ' domContentLoadedEventEnd=910 domContentLoadedDuration=5'
    . ' renderDuration=1400 domComplete=2300 duration=2310';

run_tests();

__DATA__

=== TEST 1: a JSON object: 204, one entry, fields in order
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
{"id":"b1","kind":"entries","seq":7,"session":{"id":"s1"},"view":{"id":"v1","href":"https://shop.example/a?b=1"},"metrics":{"lcp":1200.5,"cls":0.02,"inp":40}}
--- more_headers
Content-Type: text/plain;charset=UTF-8
--- error_code: 204
--- response_body
--- stream_len: 1
--- stream_like
^v=1 ts=\d{13} id=b1 kind=entries seq=7 session=s1 view=v1 url=https://shop\.example/a\?b=1 lcp=1200\.5 cls=0\.02 inp=40 payload=\{"id":"b1",.*\}$
--- stream_check
my ($e) = @_;
main::cmp_ok(abs($e->{ts} - time() * 1000), '<', 60_000, 'ts is the receive time in ms');
main::is($e->{payload}, '{"id":"b1","kind":"entries","seq":7,"session":{"id":"s1"},"view":{"id":"v1","href":"https://shop.example/a?b=1"},"metrics":{"lcp":1200.5,"cls":0.02,"inp":40}}', 'payload byte for byte');
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: the seed's small beacon round-trips byte for byte
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
"POST /rum\n$main::SMALL"
--- more_headers
Content-Type: application/json
--- error_code: 204
--- stream_len: 1
--- stream_like eval
qr/^v=1 ts=\d{13} id=b-1675377137759-0-k3j9x2 kind=sample seq=1 session=4f1c2b8e-93a1-4c6e-b7de-2a1f0c9d5e17 view=homepage url=https:\/\/www\.your-domain\.com\/category\?id=4016974 $main::METRICS payload=\{/m
--- stream_check
my ($e) = @_;
main::ok($e->{payload} eq $main::SMALL, 'payload equals the file (' . length($main::SMALL) . ' bytes)');
--- no_error_log
[error]
[alert]
[crit]



=== TEST 3: with 8 resources: byte for byte
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
"POST /rum\n$main::B8"
--- error_code: 204
--- stream_len: 1
--- stream_like eval
qr/^v=1 ts=\d{13} id=b-1675377137759-8-k3j9x2 kind=sample seq=1 session=\S+ view=homepage url=\S+ $main::METRICS payload=\{/m
--- stream_check
my ($e) = @_;
main::ok($e->{payload} eq $main::B8, 'payload equals the file (' . length($main::B8) . ' bytes)');
--- no_error_log
[error]
[alert]
[crit]



=== TEST 4: with 60 resources (44 KB): byte for byte
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
"POST /rum\n$main::B60"
--- error_code: 204
--- stream_len: 1
--- stream_like eval
qr/^v=1 ts=\d{13} id=b-1675377137759-60-k3j9x2 kind=sample seq=1 session=\S+ view=homepage url=\S+ $main::METRICS payload=\{/m
--- stream_check
my ($e) = @_;
main::ok($e->{payload} eq $main::B60, 'payload equals the file (' . length($main::B60) . ' bytes)');
--- no_error_log
[error]
[alert]
[crit]



=== TEST 5: a gzip body: 204, the payload is the inflated JSON
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
"POST /rum\n" . main::gz($main::B60)
--- more_headers
Content-Type: text/plain;charset=UTF-8
Content-Encoding: gzip
--- error_code: 204
--- stream_len: 1
--- stream_like
^v=1 ts=\d{13} id=b-1675377137759-60-k3j9x2 kind=sample seq=1 session=\S+ view=homepage url=\S+ fp=0 .* payload=\{"id":"b-1675377137759-60-k3j9x2"
--- stream_check
my ($e) = @_;
main::ok($e->{payload} eq $main::B60, 'payload is the inflated body');
--- no_error_log
[error]
[alert]
[crit]



=== TEST 6: Content-Encoding: identity is the plain body
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
{"id":"ident-1"}
--- more_headers
Content-Encoding: identity
--- error_code: 204
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=ident-1 kind=sample payload=\{"id":"ident-1"\}$
--- no_error_log
[error]



=== TEST 7: no id: the server makes one (n-...), unique; no kind: sample; no seq: no field
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
["POST /rum\n{\"view\":{\"id\":\"v1\"}}", "POST /rum\n{\"view\":{\"id\":\"v2\"}}"]
--- error_code eval
[204, 204]
--- stream_len: 2
--- stream_like
^v=1 ts=\d{13} id=n-[0-9a-f-]+ kind=sample view=v1 payload=\{"view":\{"id":"v1"\}\}$
^v=1 ts=\d{13} id=n-[0-9a-f-]+ kind=sample view=v2 payload=
--- stream_check
my @e = @_;
main::isnt($e[0]{id}, $e[1]{id}, 'server ids differ');
main::ok(!exists $e[0]{seq}, 'no seq field without a seq');
main::cmp_ok(length $e[0]{id}, '<=', 64, 'a server id fits the id syntax');
--- no_error_log
[error]



=== TEST 8: only the first value of a repeated field; an empty object is a beacon
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
["POST /rum\n{}", "POST /rum\n{\"id\":\"dup-1\",\"kind\":\"action\",\"metrics\":{\"lcp\":1,\"lcp\":2}}"]
--- error_code eval
[204, 204]
--- stream_len: 2
--- stream_like
^v=1 ts=\d+ id=n-\S+ kind=sample payload=\{\}$
^v=1 ts=\d+ id=dup-1 kind=action lcp=1 payload=
--- no_error_log
[error]



=== TEST 9: rum_extract replaces the defaults; the wildcard takes each scalar member
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_extract browser attributes.browser;
        rum_extract conn attributes.connection.effectiveType;
        rum_extract * audits.*;
    }
--- redis_before
FLUSHALL
--- request eval
"POST /rum\n$main::SMALL"
--- error_code: 204
--- stream_len: 1
--- stream_check
my ($e) = @_;
my $kv = t::RUM::redis('XRANGE', 'rum:beacons', '-', '+')->[0][1];
my @fields = @$kv[grep { $_ % 2 == 0 } 0 .. $#$kv];
main::is(join(' ', @fields), 'v ts id kind seq browser conn crossOriginIsolated payload',
         'only the configured fields, in document order');
main::is($e->{browser}, 'Firefox', 'attributes.browser');
main::is($e->{conn}, '4g', 'a nested path');
main::is($e->{crossOriginIsolated}, 'false', 'a boolean as its text');
--- no_error_log
[error]



=== TEST 10: rum_extract at server level is inherited; a location's own replaces it
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_extract page view.pathname;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /rum2 {
        rum_endpoint;
        rum_extract lcp metrics.lcp;
    }
--- redis_before
FLUSHALL
--- request eval
["POST /rum\n$main::SMALL", "POST /rum2\n$main::SMALL"]
--- error_code eval
[204, 204]
--- stream_len: 2
--- stream_like
^v=1 ts=\d+ id=\S+ kind=sample seq=1 page=/category payload=
^v=1 ts=\d+ id=\S+ kind=sample seq=1 lcp=1234\.5 payload=
--- no_error_log
[error]



=== TEST 11: extracted values: decoded strings, numbers as written, nested objects and arrays skipped, long values cut
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
my $long = "\x{e9}" x 600;     # 1200 bytes of UTF-8
utf8::encode($long);
"POST /rum\n" . '{"id":"x-1","view":{"id":"caf\u00e9 \"q\"","href":"' . $long
. '"},"metrics":{"lcp":1.50e3,"nested":{"a":1},"arr":[1,2],"n":null,"t":true}}'
--- error_code: 204
--- stream_len: 1
--- stream_check
my ($e) = @_;
my $cafe = "caf\x{e9} \"q\"";
utf8::encode($cafe);
main::is($e->{view}, $cafe, 'escapes decoded to UTF-8');
main::is($e->{lcp}, '1.50e3', 'a number as written');
main::ok(!exists $e->{nested} && !exists $e->{arr}, 'objects and arrays are not copied');
main::is($e->{t}, 'true', 'true');
main::cmp_ok(length $e->{url}, '<=', 1024, 'a long value is cut at 1024 bytes');
main::cmp_ok(length $e->{url}, '>=', 1022, 'and no shorter than needed');
main::ok(utf8::decode(my $u = $e->{url}), 'cut at a character boundary');
--- no_error_log
[error]



=== TEST 12: rum_field ip $remote_addr and ua $http_user_agent, after the extracted fields
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_field ip $remote_addr;
        rum_field ua $http_user_agent;
        rum_field tenant "t-$host";
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"f-1","view":{"id":"home"}}
--- more_headers
User-Agent: Mozilla/5.0 (X11; Linux) RUM-test
--- error_code: 204
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=f-1 kind=sample view=home ip=127\.0\.0\.1 ua=Mozilla/5\.0 \(X11; Linux\) RUM-test tenant=t-localhost payload=\{"id":"f-1"
--- no_error_log
[error]



=== TEST 12b: a payload cannot give a field that rum_field fills: the server's value only
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_field ip $remote_addr;
        rum_field session "s-$host";
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"f-spoof","session":{"id":"mine"},"view":{"id":"home"},"metrics":{"ip":"6.6.6.6","lcp":120}}
--- error_code: 204
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=f-spoof kind=sample view=home lcp=120 ip=127\.0\.0\.1 session=s-localhost payload=\{"id":"f-spoof"
--- stream_unlike
6\.6\.6\.6 .*payload=
session=mine
--- no_error_log
[error]



=== TEST 13: rum_field with an empty value still gives the field
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_field ref $http_referer;
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"f-2"}
--- error_code: 204
--- stream_len: 1
--- stream_check
my ($e) = @_;
main::ok(exists $e->{ref} && $e->{ref} eq '', 'empty field present');
--- no_error_log
[error]



=== TEST 14: rum_stream rum:$host: one stream per Host
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:$host;
    }
--- redis_before
FLUSHALL
--- request eval
["POST /rum\n{\"id\":\"a-1\"}", "POST /rum\n{\"id\":\"b-1\"}", "POST /rum\n{\"id\":\"a-2\"}"]
--- more_headers eval
["Host: a.example", "Host: b.example", "Host: a.example"]
--- error_code eval
[204, 204, 204]
--- stream_key: rum:a.example
--- stream_len: 2
--- stream_like
^v=1 ts=\d+ id=a-1 kind=sample payload=
^v=1 ts=\d+ id=a-2 kind=sample payload=
--- stream_check
main::is(t::RUM::redis('XLEN', 'rum:b.example'), 1, 'the other tenant has its own stream');
main::is(t::RUM::redis('XRANGE', 'rum:b.example', '-', '+')->[0][1][5], 'b-1', 'with its beacon');
main::is(t::RUM::redis('EXISTS', 'rum:beacons'), 0, 'nothing in the default stream');
--- no_error_log
[error]



=== TEST 15: maxlen=5 trims (approximately: Redis trims whole nodes; 2 entries per node here)
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:trim maxlen=5;
    }
--- redis_before
FLUSHALL
CONFIG SET stream-node-max-entries 2
--- request eval
[ map { "POST /rum\n{\"id\":\"t-$_\"}" } 1 .. 20 ]
--- error_code eval
[ (204) x 20 ]
--- redis_after
CONFIG SET stream-node-max-entries 100
--- stream_key: rum:trim
--- stream_like
id=t-20 
--- stream_check
my @e = @_;
main::cmp_ok(scalar @e, '>=', 5, 'at least maxlen entries kept');
main::cmp_ok(scalar @e, '<=', 7, 'and about maxlen (one node more at most)');
main::is($e[-1]{id}, 't-20', 'the newest kept');
--- no_error_log
[error]



=== TEST 16: maxlen=0 does not trim
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:beacons maxlen=0;
    }
--- redis_before
FLUSHALL
CONFIG SET stream-node-max-entries 2
--- request eval
[ map { "POST /rum\n{\"id\":\"u-$_\"}" } 1 .. 12 ]
--- error_code eval
[ (204) x 12 ]
--- stream_len: 12
--- redis_after
CONFIG SET stream-node-max-entries 100
--- no_error_log
[error]



=== TEST 17: the default maxlen (1000000) keeps 20 entries
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
CONFIG SET stream-node-max-entries 2
--- request eval
[ map { "POST /rum\n{\"id\":\"d-$_\"}" } 1 .. 20 ]
--- error_code eval
[ (204) x 20 ]
--- stream_len: 20
--- redis_after
CONFIG SET stream-node-max-entries 100
--- no_error_log
[error]
