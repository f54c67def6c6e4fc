# Redis faults: absent at start, killed with writes in flight, a full
# queue, a reload with entries queued.  No beacon may be lost silently.

use lib '.';
use t::RUM;
use IO::Socket::INET;

repeat_each(1);
no_shuffle();

plan tests => 37;

# posts a beacon from Perl code (after Redis commands), returns the status
sub post_beacon {
    my ($id) = @_;
    my $body = qq({"id":"$id","kind":"sample"});
    my $s = IO::Socket::INET->new(
        PeerAddr => "127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}") or return 0;
    print $s "POST /rum HTTP/1.0\r\nHost: localhost\r\n"
             . "Content-Length: " . length($body) . "\r\n\r\n$body";
    my $line = <$s> // '';
    return $line =~ m{^HTTP/\S+ (\d+)} ? $1 : 0;
}

sub post_eval {
    my ($n, $prefix) = @_;
    [ map { "POST /rum\n{\"id\":\"$prefix$_\",\"kind\":\"sample\"}" } 1 .. $n ];
}

$ENV{TEST_NGINX_SERVER_PORT} ||= 1984;

run_tests();

__DATA__

=== TEST 1: Redis absent at start: nginx serves, beacons wait and arrive
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
STOP
--- request eval
main::post_eval(4, "absent-")
--- error_code eval
[204, 204, 204, 204]
--- redis_after
START
--- stream_wait: 15
--- stream_len: 4
--- stream_like
^v=1 ts=\d+ id=absent-1 kind=sample
^v=1 ts=\d+ id=absent-4 kind=sample
--- no_error_log
[alert]



=== TEST 2: Redis dies with XADDs in flight: they are written again
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
CLIENT PAUSE 60000 ALL
--- request eval
main::post_eval(5, "inflight-")
--- error_code eval
[204, 204, 204, 204, 204]
--- redis_after
SLEEP 0.3
STOP
START
--- stream_wait: 15
--- stream_len: 5
--- stream_check
my @e = @_;
main::is(join(',', map { $_->{id} } @e),
         'inflight-1,inflight-2,inflight-3,inflight-4,inflight-5',
         'written again in order');
my $s = IO::Socket::INET->new(
    PeerAddr => "127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}");
print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
my $status = do { local $/; <$s> };
main::like($status, qr/"resent":5,/, 'the re-sent entries are counted');
--- no_error_log
[alert]



=== TEST 3: a full queue answers 503 with Retry-After, and recovers
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_queue 1k;
--- config
    location = /rum {
        rum_endpoint;
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
--- stream_wait: 15
--- stream_len: 2
--- stream_check
main::is(join(',', map { $_->{id} } @_), 'full-1,full-2', 'queued ones');
# the queue drained: beacons are accepted again
main::is(main::post_beacon('full-5'), 204, 'accepted after recovery');
--- no_error_log
[alert]
