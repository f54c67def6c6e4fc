# Redis Cluster: "rum_redis cluster ADDRESS ..." learns the slot map from a
# seed, holds a connection per primary and sends each entry to the primary
# that serves its key's slot.  The test starts its own cluster on loopback
# from Debian's redis-server: 3 primaries and 3 replicas made with
# "redis-cli --cluster create", node timeout 1 s.  It checks that keys land
# on their owners (plain and sharded streams); then, under load, a slot
# migrated from one primary to another (ASK while it moves, MOVED after)
# with nothing lost; then the primary that serves the load killed and its
# replica promoted: every beacon answered 204 must be in the stream of the
# new primary, but for what the dying primary had acknowledged and not
# replicated (Redis replicates asynchronously): that window is measured and
# printed.  Last, a cluster that does not answer at start, and the
# configuration errors.

use lib '.';
use t::RUM;
use t::RedisSet;
use Time::HiRes qw(sleep time);

master_on();
workers(1);
repeat_each(1);
no_shuffle();

plan tests => 201;

our $slow = $ENV{TEST_NGINX_USE_VALGRIND} ? 3 : 1;

our @N = map { free_port(10000) } 1 .. 6;
$ENV{TEST_NGINX_CLUSTER_SEED} = $N[1];
$ENV{TEST_NGINX_NOWHERE} = free_port();
$ENV{TEST_NGINX_NAMED} = free_port();

# a node that names the primaries by host name: CLUSTER SLOTS answered
# with "localhost", anything else with +OK
spawn('named', $^X, '-MIO::Socket::INET', '-e', <<'END', $ENV{TEST_NGINX_NAMED});
my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$ARGV[0]",
                              Listen => 16, ReuseAddr => 1) or die;
while (my $c = $l->accept) {
    my $buf = '';
    while (sysread $c, $buf, 4096, length $buf) {
        while ($buf =~ s/\A\*(\d+)\r\n((?:\$\d+\r\n[^\r]*\r\n)*)//) {
            print $c $2 =~ /SLOTS/i
                ? "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n\$9\r\nlocalhost\r\n"
                  . ":6379\r\n"
                : "+OK\r\n";
        }
    }
}
END

sub start_cluster {
    for my $port (@N) {
        start_server($port, '--cluster-enabled', 'yes',
                     '--cluster-config-file', "nodes-$port.conf",
                     '--cluster-node-timeout', '1000',
                     '--repl-diskless-sync-delay', '0');
    }
    my @create = ('redis-cli', '--cluster', 'create',
                  (map { "127.0.0.1:$_" } @N), '--cluster-replicas', '1',
                  '--cluster-yes');
    system(join(' ', @create) . ' >/dev/null 2>&1') == 0
        or die "redis-cli --cluster create failed\n";
    # every node sees the cluster up, every primary has its replica in sync
    for (1 .. 300) {
        my $up = grep {
            (at($_, 'CLUSTER', 'INFO') // '') =~ /cluster_state:ok/
        } @N;
        my $synced = grep { replica_of($_) } @N;
        return if $up == 6 && $synced == 3;
        sleep 0.1;
    }
    die "the cluster did not come up\n";
}

start_cluster();

# the port of the primary that serves a key, asked to any live node
sub owner {
    my ($key) = @_;
    for my $port (@N) {
        my $slot = at($port, 'CLUSTER', 'KEYSLOT', $key);
        my $map = at($port, 'CLUSTER', 'SLOTS');
        next unless defined $slot && $slot =~ /^\d+$/ && ref $map;
        for my $r (@$map) {
            return $r->[2][1] if $r->[0] <= $slot && $slot <= $r->[1];
        }
    }
    return undef;
}

# whether the node on that port serves slots (a primary without replica)
sub owner_of_any {
    my ($port) = @_;
    my $map = at($port, 'CLUSTER', 'SLOTS');
    return ref $map && grep { $_->[2][1] == $port } @$map;
}

# the replica of the primary on that port, in sync
sub replica_of {
    my ($port) = @_;
    for my $p (@N) {
        my $i = at($p, 'INFO', 'replication') // '';
        return $p if $i =~ /role:slave/ && $i =~ /master_port:(\d+)/
                     && $1 == $port && $i =~ /master_link_status:up/;
    }
    return undef;
}

# answered 204 against the stream, once the queue is empty
sub missing {
    my ($port, $key, @acked) = @_;
    t::RUM::wait_until(sub { main::status()->{queue}{entries} == 0 },
                       30 * $main::slow);
    my %in = map { $_ => 1 } ids_at($port, $key);
    return scalar grep { !$in{$_} } @acked;
}

run_tests();

__DATA__

=== TEST 1: each key on the primary that serves its slot
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_CLUSTER_SEED;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:$arg_k;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ map { "POST /rum?k=$_\n{\"id\":\"key-$_\"}" } 'a' .. 'l' ]
--- error_code eval
[ (204) x 12 ]
--- stream_key: rum:none
--- stream_check
my %on;
for my $k ('a' .. 'l') {
    my $port = main::owner("rum:$k");
    $on{$port}++;
    main::ok(t::RUM::wait_until(sub {
        join(' ', main::ids_at($port, "rum:$k")) eq "key-$k" },
        5 * $main::slow), "rum:$k on its owner, $port");
}
main::is(scalar keys %on, 3, 'the keys spread over the 3 primaries');
my $s = main::status();
my @nodes = grep { $_->{cluster} } @{ $s->{redis}{servers} };
main::is(scalar @nodes, 3, 'a server per primary in the status');
main::is((grep { $_->{acknowledged} > 0 && $_->{workers_connected} == 1 }
          @nodes), 3, 'each connected, each took entries');
main::is($s->{redis}{dropped}{redis_error} + $s->{redis}{cluster}{moved},
         0, 'nothing dropped, no redirection');
main::ok($s->{redis}{cluster}{maps} >= 1, 'a slot map read');
my $prom = main::status('?format=prometheus');
main::is(scalar(() = $prom =~ /^rum_redis_server_acknowledged_total\{server="127\.0\.0\.1:\d+",cluster="cluster 127\.0\.0\.1:$main::N[1]"\} [1-9]\d*$/mg),
         3, 'Prometheus: each node labelled with its cluster');
main::is(scalar main::log_lines(
    qr/\[info\].*rum: Redis "cluster 127\.0\.0\.1:$main::N[1]": a slot map of 3 ranges, 3 primaries/),
    1, 'the map in the log');
--- no_error_log
[error]



=== TEST 2: sharded streams spread over the cluster, a session in one shard
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_CLUSTER_SEED;
--- config
    location = /rum3 {
        rum_endpoint;
        rum_stream rum:s3 shards=3;
    }
    location = /rum12 {
        rum_endpoint;
        rum_stream rum:s12 shards=12;
    }
--- request eval
[ map { my $n = $_;
        map { "POST /rum$n\n{\"id\":\"$n-$_\",\"session\":{\"id\":\"u$_\"}}" }
        1 .. 24 } 3, 12 ]
--- error_code eval
[ (204) x 48 ]
--- stream_key: rum:none
--- stream_check
# the hash tags put the shards on slots of their own: 3 shards may share
# a primary, 12 spread over all
for my $n (3, 12) {
    my (%on, %owners, $total);
    for my $shard (0 .. $n - 1) {
        my $key = "rum:s$n:{$shard}";
        my $port = main::owner($key);
        my @ids = main::ids_at($port, $key);
        $owners{$port}++;
        $total += @ids;
        $on{$port}++ if @ids;
    }
    main::is($total, 24, "shards=$n: every entry on its shard's owner");
    main::is(scalar keys %on, scalar keys %owners,
             "shards=$n: on each primary that serves a shard");
}
main::is(scalar keys %{{ map { main::owner("rum:s12:{$_}") => 1 } 0 .. 11 }},
         3, 'shards=12: the 3 primaries serve shards');
# the example consumer reads every shard from its primary
my $cmd = "/usr/bin/python3 conf-examples/consumer.py --cluster"
          . " --redis 127.0.0.1:$main::N[0] --stream rum:s12 --shards 12"
          . " --start 0 --duration 4 --summary 0 2>&1";
my @lines = qx{$cmd};
main::is(scalar(grep { /^rum:s12:\{\d+\}\s+\S+\s+sample/ } @lines), 24,
         'consumer.py --cluster --shards 12: every entry');
--- no_error_log
[error]



=== TEST 3: a slot migrated under load: ASK while it moves, MOVED after
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_CLUSTER_SEED;
--- config
    location = /mig {
        rum_endpoint;
        rum_stream "rum:{mig}";
    }
    location = /status {
        rum_status;
    }
--- request
GET /status
--- stream_key: rum:none
--- stream_check
my $key = 'rum:{mig}';
my $src = main::owner($key);
my ($dst) = grep { $_ != $src && main::replica_of($_) } @main::N;
my ($third) = grep { $_ != $src && $_ != $dst && main::replica_of($_) }
              @main::N;
my $slot = main::at($src, 'CLUSTER', 'KEYSLOT', $key);
my $src_id = main::at($src, 'CLUSTER', 'MYID');
my $dst_id = main::at($dst, 'CLUSTER', 'MYID');

my $load = main::start_load('mig', path => '/mig');
sleep 1;
main::is(main::at($dst, 'CLUSTER', 'SETSLOT', $slot, 'IMPORTING', $src_id),
         'OK', 'importing');
main::is(main::at($src, 'CLUSTER', 'SETSLOT', $slot, 'MIGRATING', $dst_id),
         'OK', 'migrating');
sleep 0.5;
my $keys = main::at($src, 'CLUSTER', 'GETKEYSINSLOT', $slot, 100);
main::is(main::at($src, 'MIGRATE', '127.0.0.1', $dst, '', 0, 5000,
                  'KEYS', @$keys), 'OK', 'the stream migrated');
# the slot stays migrating a while: the source answers ASK
sleep 1.5;
main::is(main::at($_, 'CLUSTER', 'SETSLOT', $slot, 'NODE', $dst_id), 'OK',
         "the slot given to $dst, told to $_") for $dst, $src, $third;
# the source answers MOVED from now on
sleep 1.5;
my @acked = main::stop_load($load);
main::ok(@acked > 100, 'beacons answered 204 (' . scalar(@acked) . ')');
main::is(main::owner($key), $dst, 'the cluster agrees on the new owner');
my $missing = main::missing($dst, $key, @acked);
my $s = main::status();
Test::More::diag(sprintf "slot migration: %d answered 204, %d missing, "
                 . "%d ASK and %d MOVED followed", scalar @acked, $missing,
                 $s->{redis}{cluster}{asked}, $s->{redis}{cluster}{moved});
main::is($missing, 0, 'nothing answered 204 is missing');
main::ok($s->{redis}{cluster}{asked} > 0, 'ASK followed');
main::ok($s->{redis}{cluster}{moved} > 0, 'MOVED followed');
# a poster stopped with a request in flight has its beacon in the stream
# and not in its list: one per poster at the most
my %in = map { $_ => 1 } main::ids_at($dst, $key);
main::ok(keys %in >= @acked && keys %in <= @acked + 2,
         'on the new owner: what was answered 204 (' . scalar(keys %in)
         . ' for ' . scalar(@acked) . ')');
main::is($s->{redis}{dropped}{redis_error}, 0, 'nothing dropped');
--- no_error_log
[alert]



=== TEST 4: the primary dies under load: its promoted replica takes the beacons
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_CLUSTER_SEED;
--- config
    location = /mig {
        rum_endpoint;
        rum_stream "rum:{mig}";
    }
    location = /status {
        rum_status;
    }
--- request
GET /status
--- stream_key: rum:none
--- stream_check
my $key = 'rum:{mig}';
my $primary = main::owner($key);
my $replica = main::replica_of($primary);
main::ok($replica, "the primary $primary has a replica, $replica");

my $load = main::start_load('kill', path => '/mig');
my $t1 = time;
sleep 1.5;
main::kill_server($primary);
@main::N = grep { $_ != $primary } @main::N;
my $t0 = time;
main::ok(t::RUM::wait_until(sub { (main::owner($key) // 0) == $replica },
                            30), 'the cluster promotes the replica');
my $promoted = time - $t0;
sleep 2;
my @acked = main::stop_load($load);
main::ok(@acked > 100, 'beacons answered 204 (' . scalar(@acked) . ')');
my $rate = @acked / (time - $t1);
my $missing = main::missing($replica, $key, @acked);
Test::More::diag(sprintf "primary killed: %d answered 204, %d missing: "
                 . "%.0f ms of beacons the dead primary acknowledged and "
                 . "its replica had not applied; promoted in %.1f s",
                 scalar @acked, $missing, 1000 * $missing / $rate,
                 $promoted);
# Redis replicates asynchronously; on a busy machine the replica runs late
main::ok($missing <= 2 * $rate,
         "at most the replication window is lost ($missing)");
my $s = main::status();
main::is($s->{queue}{entries}, 0, 'nothing left queued');
main::is($s->{redis}{dropped}{redis_error}, 0, 'nothing dropped');
main::ok(t::RUM::wait_until(sub { scalar main::log_lines(
    qr/\[info\].*rum: Redis "cluster [^"]+": 127\.0\.0\.1:$primary serves no slot now/) },
    5 * $main::slow), 'the dead primary let go');
main::is(scalar(grep { $_->{cluster} && $_->{name} eq "127.0.0.1:$replica" }
                @{ $s->{redis}{servers} }), 1, 'the new primary in the status');
--- no_error_log
[alert]



=== TEST 5: a reload while the primaries take nothing: spooled, then routed
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_CLUSTER_SEED;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:r shards=12;
    }
    location = /status {
        rum_status;
    }
--- request
GET /status
--- stream_key: rum:none
--- stream_check
my @primaries = grep { main::replica_of($_) || main::owner_of_any($_) }
                @main::N;
my $load = main::start_load('spool');
sleep 1;
# writes wait in Redis (commands paused), the cluster bus goes on
main::is(main::at($_, 'CLIENT', 'PAUSE', 6000 * $main::slow, 'WRITE'),
         'OK', "primary $_ paused") for @primaries;
sleep 0.5;
main::reload();
# the old worker's flush time (3 s) passes: what it holds goes to the spool
sleep 4 * $main::slow;
my @acked = main::stop_load($load);
main::ok(@acked > 100, 'beacons answered 204 (' . scalar(@acked) . ')');
# each node's entries are a file of their own, each taken in turn
main::ok(t::RUM::wait_until(sub {
    my $s = main::status();
    $s->{redis}{spool}{written} > 0
    && $s->{redis}{spool}{replayed} == $s->{redis}{spool}{written}
    && $s->{queue}{entries} == 0 }, 30 * $main::slow),
    'the spool replayed, the queue empty');
my %in;
for my $shard (0 .. 11) {
    my $key = "rum:r:{$shard}";
    $in{$_} = 1 for main::ids_at(main::owner($key), $key);
}
my $missing = grep { !$in{$_} } @acked;
my $s = main::status();
Test::More::diag(sprintf "reload, primaries paused: %d answered 204, "
                 . "%d spooled, %d replayed, %d missing", scalar @acked,
                 $s->{redis}{spool}{written}, $s->{redis}{spool}{replayed},
                 $missing);
main::is($missing, 0, 'nothing answered 204 is missing');
main::is($s->{redis}{spool}{written}, $s->{redis}{spool}{replayed},
         'all spooled entries replayed');
main::is($s->{redis}{dropped}{exit} + $s->{redis}{dropped}{redis_error}, 0,
         'nothing dropped');
--- no_error_log
[alert]



=== TEST 6: no node answers at start: nginx starts, beacons wait, it retries
--- main_config
    worker_shutdown_timeout 200ms;
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_NOWHERE connect_timeout=200ms;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request
POST /rum
{"id":"waits"}
--- error_code: 204
--- stream_key: rum:none
--- stream_check
main::ok(t::RUM::wait_until(sub {
    main::status()->{redis}{connect_failures} >= 3 }, 5 * $main::slow),
    'it retries');
main::is(main::status()->{queue}{entries}, 1, 'the beacon waits');
--- error_log eval
qr/\[error\].*rum: Redis "cluster 127\.0\.0\.1:\d+": cannot connect to a node: Connection refused, retrying/
--- no_error_log
[alert]
[crit]



=== TEST 7: a map that names nodes by host name: logged, never resolved
--- main_config
    worker_shutdown_timeout 200ms;
--- http_config
    rum_redis cluster 127.0.0.1:$TEST_NGINX_NAMED;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request
POST /rum
{"id":"named"}
--- error_code: 204
--- stream_key: rum:none
--- stream_check
main::ok(t::RUM::wait_until(sub { scalar main::log_lines(
    qr/\[error\].*a node is named "localhost", a host name a worker cannot resolve without blocking: set the nodes' cluster-preferred-endpoint-type to ip/) },
    5 * $main::slow), 'the host name refused, logged');
my $s = main::status();
main::is($s->{queue}{entries}, 1, 'the beacon waits');
main::ok($s->{redis}{cluster}{maps} >= 1, 'the map was read');
--- no_error_log
[alert]



=== TEST 8: the cluster form needs a node
--- http_config
    rum_redis cluster password=secret;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
"rum_redis cluster" needs the address of at least one node



=== TEST 9: a cluster has no db=
--- http_config
    rum_redis cluster 127.0.0.1:7000 db=2;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
"rum_redis cluster" cannot have "db=": a Redis Cluster has only database 0



=== TEST 10: a cluster is not behind sentinels
--- http_config
    rum_redis cluster sentinel=mymaster 127.0.0.1:26379;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
"rum_redis cluster" cannot have "sentinel="



=== TEST 11: sentinel with no name
--- http_config
    rum_redis sentinel= 127.0.0.1:26379;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
invalid parameter "sentinel=" in "rum_redis"



=== TEST 12: shards=0
--- http_config
    rum_redis 127.0.0.1:6379;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:beacons shards=0;
    }
--- must_die
--- error_log
invalid shards "shards=0", it must be between 1 and 1024
