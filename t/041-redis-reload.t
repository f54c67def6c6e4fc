# A reload while entries wait for Redis: the old worker keeps writing its
# queue for a bounded time before it exits, so nothing is lost.

use lib '.';
use t::RUM;

master_on();
workers(1);
no_shuffle();

plan tests => 8;

run_tests();

__DATA__

=== TEST 1: reload with entries queued: the old worker writes them
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
STOP
--- request eval
[ map { "POST /rum\n{\"id\":\"reload-$_\"}" } 1 .. 3 ]
--- error_code eval
[204, 204, 204]
--- stream_check
my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
open my $fh, '<', "$root/logs/nginx.pid" or die "no pid file: $!";
my $pid = <$fh>;
CORE::chomp($pid);
main::ok($pid > 1 && kill('HUP', $pid), 'reloaded');
select undef, undef, undef, 0.5;
t::RUM::start_redis();
my $n = 0;
for (1 .. 100) {
    $n = t::RUM::redis('XLEN', 'rum:beacons');
    last if $n >= 3;
    select undef, undef, undef, 0.1;
}
main::is($n, 3, 'the old worker wrote its queue before it exited');
--- no_error_log
[alert]
