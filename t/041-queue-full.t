# rum_queue: while Redis is away, a worker keeps at most rum_queue bytes of
# entries; past that, beacons get 503 with Retry-After (the client retries),
# and are counted.  When Redis is back, the queue drains and beacons are
# accepted again.

use lib '.';
use t::RUM;
use IO::Socket::INET;
use JSON::PP ();

repeat_each(1);
no_shuffle();

plan tests => 36;

sub post_beacon {
    my ($id, $pad) = @_;
    my $body = qq({"id":"$id","kind":"sample","pad":") . ('x' x $pad) . '"}';
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or return 0;
    print $s "POST /rum HTTP/1.0\r\nHost: localhost\r\n"
             . "Content-Type: text/plain\r\n"
             . "Content-Length: " . length($body) . "\r\n\r\n$body";
    my $line = <$s> // '';
    return $line =~ m{^HTTP/\S+ (\d+)} ? $1 : 0;
}

sub status {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or die "no connection to nginx: $!";
    print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> };
    $r =~ s/\A.*?\r\n\r\n//s;
    return JSON::PP::decode_json($r);
}

sub wait_queue_empty {
    my $st;
    for (1 .. 100) {
        $st = status();
        last if $st->{queue}{entries} == 0;
        select undef, undef, undef, 0.1;
    }
    return $st;
}

run_tests();

__DATA__

=== TEST 1: a full queue answers 503 with Retry-After, and recovers
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_queue 1k;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
STOP
--- request eval
[ map { "POST /rum\n{\"id\":\"full-$_\",\"pad\":\"" . ('x' x 200) . "\"}" }
  1 .. 4 ]
--- error_code eval
[204, 204, 503, 503]
--- response_headers_like eval
[ '', '', 'Retry-After: 1', 'Retry-After: 1' ]
--- redis_after
START
--- stream_wait: 10
--- stream_len: 2
--- stream_check
main::is(join(',', map { $_->{id} } @_), 'full-1,full-2', 'the queued ones');
my $st = main::wait_queue_empty();
main::is($st->{queue}{entries}, 0, 'the queue is empty');
main::is($st->{queue}{bytes}, 0, 'and holds no bytes');
main::is($st->{beacons}{rejected}{queue_full}, 2, '503s are counted');
main::is(main::post_beacon('full-5', 200), 204, 'accepted after recovery');
my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
open my $log, '<', "$root/logs/error.log" or die "no error.log: $!";
my @full = grep { /rum: the queue is full/ } <$log>;
main::is(scalar @full, 1, 'the 503s are logged, once in 10 seconds');
main::like($full[0] // '', qr/\[warn\] .*rum: the queue is full \(rum_queue 1024 bytes\): beacons get 503 until Redis "127\.0\.0\.1:\d+" takes what waits/,
           'naming rum_queue and Redis');
--- no_error_log
[alert]



=== TEST 2: the queue gauges count what waits, and go back to zero
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_queue 4k;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request
GET /status
--- stream_check
t::RUM::stop_redis();
my @codes = map { main::post_beacon("gauge-$_", 300) } 1 .. 20;
my $ok = grep { $_ == 204 } @codes;
my $busy = grep { $_ == 503 } @codes;
main::is($ok + $busy, 20, 'every beacon got 204 or 503');
main::ok($ok >= 5 && $ok <= 11, "about 4k of entries queued ($ok)");

my $st = main::status();
main::is($st->{queue}{entries}, $ok, 'queued entries = 204s');
main::cmp_ok($st->{queue}{bytes}, '<=', 4096, 'queued bytes within rum_queue');
main::cmp_ok($st->{queue}{bytes}, '>', 4096 - 500, 'and the queue is full');
main::is($st->{beacons}{rejected}{queue_full}, $busy, '503s = queue_full');

t::RUM::start_redis();
$st = main::wait_queue_empty();
main::is($st->{queue}{entries}, 0, 'drained');
main::is($st->{queue}{bytes}, 0, 'no bytes left');
main::is($st->{redis}{acknowledged}, $ok, 'each 204 acknowledged');
main::is(t::RUM::redis('XLEN', 'rum:beacons'), $ok, 'stream length = 204s');
main::is(main::post_beacon('gauge-after', 300), 204, 'accepted again');
--- response_body_like: "queue"
--- no_error_log
[alert]



=== TEST 3: a beacon larger than the whole queue always gets 503
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_queue 512;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
"POST /rum\n{\"id\":\"huge\",\"pad\":\"" . ('x' x 600) . "\"}"
--- error_code: 503
--- response_headers
Retry-After: 1
--- stream_len: 0
--- no_error_log
[alert]
