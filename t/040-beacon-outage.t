# Redis outages: absent at start, stopped while beacons arrive, killed with
# XADDs in flight, a port where nothing listens, error replies.  Beacons are
# answered 204 while the queue has room, and every 204 becomes one stream
# entry once Redis is back: nothing is lost, nothing is dropped silently.

use lib '.';
use t::RUM;
use IO::Socket::INET;
use JSON::PP ();

repeat_each(1);
no_shuffle();

plan tests => 93;

# one beacon, posted from Perl code between Redis commands; the status code
sub post_beacon {
    my ($id) = @_;
    my $body = qq({"id":"$id","kind":"sample"});
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or return 0;
    print $s "POST /rum HTTP/1.0\r\nHost: localhost\r\n"
             . "Content-Type: text/plain\r\n"
             . "Content-Length: " . length($body) . "\r\n\r\n$body";
    my $line = <$s> // '';
    return $line =~ m{^HTTP/\S+ (\d+)} ? $1 : 0;
}

# the counters of rum_status at /status, decoded
sub status {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or die "no connection to nginx: $!";
    print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> };
    $r =~ s/\A.*?\r\n\r\n//s;
    return JSON::PP::decode_json($r);
}

# waits until the stream has $n entries (or 10 s), returns the length
sub wait_xlen {
    my ($n) = @_;
    my $len = 0;
    for (1 .. 100) {
        $len = t::RUM::redis('XLEN', 'rum:beacons');
        last if $len >= $n;
        select undef, undef, undef, 0.1;
    }
    return $len;
}

# the lines of this block's error.log that match $re
sub log_lines {
    my ($re) = @_;
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/error.log" or die "no error.log: $!";
    return grep { /$re/ } <$fh>;
}

sub posts {
    my ($prefix, @n) = @_;
    [ map { "POST /rum\n{\"id\":\"$prefix$_\",\"kind\":\"sample\"}" } @n ];
}

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
main::posts("absent-", 1 .. 4)
--- error_code eval
[204, 204, 204, 204]
--- redis_after
SLEEP 0.3
START
--- stream_wait: 10
--- stream_len: 4
--- stream_check
main::is(join(',', map { $_->{id} } @_),
         'absent-1,absent-2,absent-3,absent-4', 'in the order received');
main::is(scalar main::log_lines(qr/cannot connect: Connection refused/), 1,
         'the failing connects are logged once');
main::is(scalar main::log_lines(qr/\[info\].*connected to Redis/), 1,
         'and the connect once');
--- no_error_log
[alert]
[crit]



=== TEST 2: Redis stopped while beacons arrive: every 204 is in the stream
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
main::posts("up-", 1 .. 3)
--- error_code eval
[204, 204, 204]
--- stream_check
main::is(main::wait_xlen(3), 3, 'written while Redis is up');

t::RUM::stop_redis();
my @codes = map { main::post_beacon("down-$_") } 1 .. 5;
main::is("@codes", '204 204 204 204 204', '204 while Redis is down');

my $st = main::status();
main::is($st->{queue}{entries}, 5, 'the five wait in the queue');
main::is($st->{redis}{workers_connected}, 0, 'the worker is not connected');

# the new Redis starts empty: what it holds came from the queue
t::RUM::start_redis();
main::is(main::wait_xlen(5), 5, 'stream length = number of 204s');

my @ids = map { $_->{id} } t::RUM::stream_entries('rum:beacons');
main::is("@ids", 'down-1 down-2 down-3 down-4 down-5',
         'in order, none twice');

t::RUM::wait_until { main::status()->{redis}{acknowledged} >= 8 };
$st = main::status();
main::is($st->{queue}{entries}, 0, 'the queue is empty');
main::is($st->{queue}{bytes}, 0, 'and holds no bytes');
main::is($st->{redis}{acknowledged}, 8, 'acknowledged');
main::is($st->{redis}{disconnects}, 1, 'one disconnect');
main::is($st->{redis}{workers_connected}, 1, 'connected again');
main::is(scalar main::log_lines(qr/\[error\].*lost the connection to Redis/),
         1, 'the loss is logged once');
--- no_error_log
[alert]
[crit]



=== TEST 3: Redis dies with XADDs in flight: they are written again
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
CLIENT PAUSE 60000 WRITE
--- request eval
main::posts("inflight-", 1 .. 5)
--- error_code eval
[204, 204, 204, 204, 204]
--- redis_after
SLEEP 0.3
STOP
START
--- stream_wait: 10
--- stream_len: 5
--- stream_check
main::is(join(',', map { $_->{id} } @_),
         'inflight-1,inflight-2,inflight-3,inflight-4,inflight-5',
         'written again in order');
my $st = main::status();
main::is($st->{redis}{resent}, 5, 'the re-sent entries are counted');
main::is($st->{redis}{written}, 10, 'written twice each');
--- no_error_log
[alert]
[crit]



=== TEST 4: nothing listens on the port: nginx serves, and logs it once
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1 connect_timeout=200ms;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request
POST /rum
{"id":"nobody-1"}
--- error_code: 204
--- wait: 0.1
--- stream_check
t::RUM::wait_until { main::status()->{redis}{connect_failures} >= 4 };
my $st = main::status();
main::cmp_ok($st->{redis}{connect_failures}, '>=', 4, 'it keeps trying');
main::is($st->{queue}{entries}, 1, 'the beacon waits');
--- grep_error_log eval: qr/cannot connect: [^,]+/
--- grep_error_log_out
cannot connect: Connection refused
--- no_error_log
[alert]



=== TEST 5: an error reply (WRONGTYPE) drops the entry, counted and logged
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
SET rum:beacons not-a-stream
--- request eval
main::posts("wrongtype-", 1 .. 10)
--- error_code eval
[(204) x 10]
--- wait: 0.3
--- stream_key: rum:none
--- stream_check
t::RUM::wait_until { main::status()->{redis}{dropped}{redis_error} >= 10 };
my $st = main::status();
main::is($st->{redis}{dropped}{redis_error}, 10, 'counted as dropped');
main::is($st->{queue}{entries}, 0, 'not retried');
main::is(t::RUM::redis('GET', 'rum:beacons'), 'not-a-stream', 'untouched');
my @t = map { /^(\S+ \S+)/ }
        main::log_lines(qr/refused an entry, dropped: WRONGTYPE/);
my %seen;
main::ok(@t >= 1 && !grep({ $seen{$_}++ } @t), 'logged once a second at most');
--- no_error_log
[alert]



=== TEST 6: a read-only replica: entries wait, and go once it is a master
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
REPLICAOF 127.0.0.1 1
--- request eval
main::posts("readonly-", 1, 2)
--- error_code eval
[204, 204]
--- redis_after
SLEEP 0.5
REPLICAOF NO ONE
--- stream_wait: 10
--- stream_len: 2
--- stream_check
my $st = main::status();
main::is($st->{redis}{dropped}{redis_error}, 0, 'nothing dropped');
main::cmp_ok($st->{redis}{resent}, '>=', 2, 'written again');
main::is(scalar main::log_lines(qr/\[warn\].*answered "READONLY/), 1,
         'logged once');
--- no_error_log
[alert]
