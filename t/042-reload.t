# A reload (HUP) while entries wait for Redis: the old worker keeps writing
# its queue for a bounded time (3 s) before it exits; what it could not
# write goes to the spool (t/044-spool.t) and is logged in one line.  An old worker with
# nothing queued goes at once, and none leaves an open socket behind.

use lib '.';
use t::RUM;
use IO::Socket::INET;
use JSON::PP ();
use Time::HiRes qw(sleep time);

master_on();
workers(1);
repeat_each(1);
no_shuffle();

plan tests => 47;

sub status {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or die "no connection to nginx: $!";
    print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> };
    $r =~ s/\A.*?\r\n\r\n//s;
    return JSON::PP::decode_json($r);
}

sub master_pid {
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/nginx.pid" or die "no pid file: $!";
    my $pid = <$fh>;
    $pid =~ s/\s+//g;
    return $pid;
}

# valgrind makes everything slower, the exit above all
our $slow = $ENV{TEST_NGINX_USE_VALGRIND} ? 3 : 1;

# the worker processes of our master
sub workers_now {
    my $master = master_pid();
    return map { /(\d+)/ ? $1 : () } `ps -o pid= --ppid $master`;
}

# the workers from before the reload that still live
my @Old;
sub old_workers {
    return grep {
        my $st = '';
        if (open my $fh, '<', "/proc/$_/stat") {
            $st = <$fh> // '';
        }
        $st ne '' && $st !~ /^\d+ \(.*\) Z/;
    } @Old;
}

sub log_lines {
    my ($re) = @_;
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/error.log" or die "no error.log: $!";
    return grep { /$re/ } <$fh>;
}

sub reload {
    @Old = workers_now();
    kill 'HUP', master_pid() or die "no master: $!";
    sleep 0.3 * $slow;
}

run_tests();

__DATA__

=== TEST 1: reload with entries unanswered: the old worker writes them
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
CLIENT PAUSE 30000 WRITE
--- request eval
[ map { "POST /rum\n{\"id\":\"reload-$_\"}" } 1 .. 3 ]
--- error_code eval
[204, 204, 204]
--- stream_check
main::reload();
main::is(scalar main::old_workers(), 1, 'the old worker stays to flush');
sleep 0.5;
t::RUM::redis('CLIENT', 'UNPAUSE');
my $n = 0;
for (1 .. 50) {
    $n = t::RUM::redis('XLEN', 'rum:beacons');
    last if $n >= 3;
    sleep 0.1;
}
main::is($n, 3, 'the old worker wrote its queue before it exited');
my @ids = map { $_->{id} } t::RUM::stream_entries('rum:beacons');
main::is("@ids", 'reload-1 reload-2 reload-3', 'in order');
for (1 .. 20 * $main::slow) { last unless main::old_workers(); sleep 0.1 }
main::is(scalar main::old_workers(), 0, 'then it exited');
my $st = main::status();
main::is($st->{redis}{dropped}{exit}, 0, 'nothing dropped');
main::is($st->{redis}{acknowledged}, 3, 'all acknowledged');
main::is($st->{queue}{entries}, 0, 'nothing queued');
main::is($st->{redis}{workers_connected}, 1, 'one worker connected');
main::is(scalar main::log_lines(qr/open socket|were not written/), 0,
         'no open socket, no drop');
--- no_error_log
[alert]



=== TEST 2: Redis stays away: the old worker gives up after 3 s and spools
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ map { "POST /rum\n{\"id\":\"lost-$_\"}" } 1 .. 3 ]
--- error_code eval
[204, 204, 204]
--- stream_key: rum:none
--- stream_check
my $t0 = time;
main::reload();
sleep 1;
main::is(scalar main::old_workers(), 1, 'the old worker still flushes');
for (1 .. 100 * $main::slow) { last unless main::old_workers(); sleep 0.1 }
my $took = time - $t0;
main::is(scalar main::old_workers(), 0, 'then it exited');
main::ok($took > 2.5 && $took < 5 * $main::slow, "after about 3 s ($took)");
my $st = main::status();
main::is($st->{redis}{dropped}{exit}, 0, 'nothing is dropped');
main::is($st->{redis}{spool}{written}, 3, 'the entries are spooled');
main::is(scalar main::log_lines(
             qr/\[notice\].*rum: 3 entries for Redis "[^"]+" spooled to/),
         1, 'one line says how many');
main::ok(t::RUM::wait_until(sub {
    main::status()->{queue}{entries} == 3 }, 3 * $main::slow),
    'the new worker took them into its queue');
main::is(scalar main::log_lines(qr/open socket/), 0, 'no open socket');
--- no_error_log
[alert]



=== TEST 3: an old worker with an empty queue exits at once
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
[ map { "POST /rum\n{\"id\":\"quick-$_\"}" } 1 .. 3 ]
--- error_code eval
[204, 204, 204]
--- stream_len: 3
--- stream_check
main::reload();
for (1 .. 10 * $main::slow) { last unless main::old_workers(); sleep 0.1 }
main::is(scalar main::old_workers(), 0, 'gone within a second');
my $st = main::status();
main::is($st->{redis}{workers_connected}, 1, 'the new worker is connected');
main::is($st->{redis}{workers}[0], 1, 'in its slot');
main::is($st->{redis}{dropped}{exit}, 0, 'nothing dropped');
--- no_error_log
[alert]



=== TEST 4: worker_shutdown_timeout shorter than the flush time wins
--- main_config
    worker_shutdown_timeout 1s;
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ map { "POST /rum\n{\"id\":\"short-$_\"}" } 1 .. 2 ]
--- error_code eval
[204, 204]
--- stream_key: rum:none
--- stream_check
my $t0 = time;
main::reload();
for (1 .. 100 * $main::slow) { last unless main::old_workers(); sleep 0.1 }
my $took = time - $t0;
main::is(scalar main::old_workers(), 0, 'the old worker exited');
main::ok($took < 2.5 * $main::slow, "within worker_shutdown_timeout ($took)");
main::is(main::status()->{redis}{spool}{written}, 2, 'and spooled its entries');
--- no_error_log
[alert]
