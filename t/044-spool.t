# The spool: a worker that exits with entries Redis has not taken (Redis
# away past the flush time) writes them to a file in rum_spool's directory;
# the next workers take the file and send its entries.  Nothing answered
# 204 goes missing across reloads, nor across a stop and a start of nginx;
# a torn or corrupt file is set aside, never half sent; what does not fit
# in max_size is counted exactly.

use lib '.';
use t::RUM;
use Compress::Zlib ();
use File::Temp ();
use IO::Socket::INET;
use JSON::PP ();
use Time::HiRes qw(sleep time);

master_on();
workers(1);
repeat_each(1);
no_shuffle();

plan tests => 56;

# a spool directory of our own: Test::Nginx removes servroot's *_temp
# between blocks, and TEST 4 and 5 need the spool to outlive a block
$ENV{TEST_NGINX_SPOOL} = File::Temp::tempdir('rum-spool-XXXXXX', TMPDIR => 1,
                                             CLEANUP => 1);

our $slow = $ENV{TEST_NGINX_USE_VALGRIND} ? 3 : 1;

sub status {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or die "no connection to nginx: $!";
    print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> };
    $r =~ s/\A.*?\r\n\r\n//s;
    return JSON::PP::decode_json($r);
}

# one beacon; returns the status code
sub post {
    my ($id) = @_;
    my $body = qq({"id":"$id"});
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or die "no connection to nginx: $!";
    print $s "POST /rum HTTP/1.0\r\nHost: localhost\r\n"
             . "Content-Length: " . length($body) . "\r\n\r\n$body";
    my $r = do { local $/; <$s> } // '';
    return $r =~ m{^HTTP/1\.\d (\d+)} ? $1 : 0;
}

sub master_pid {
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/nginx.pid" or die "no pid file: $!";
    my $pid = <$fh>;
    $pid =~ s/\s+//g;
    return $pid;
}

sub alive {
    my $st = '';
    if (open my $fh, '<', "/proc/$_[0]/stat") {
        $st = <$fh> // '';
    }
    return $st ne '' && $st !~ /^\d+ \(.*\) Z/;
}

# HUP, then until the workers from before it are gone
sub reload {
    my $master = master_pid();
    my @old = map { /(\d+)/ ? $1 : () } `ps -o pid= --ppid $master`;
    kill 'HUP', $master or die "no master: $!";
    for (1 .. 100 * $slow) {
        last unless grep { alive($_) } @old;
        sleep 0.1;
    }
    return !grep { alive($_) } @old;
}

sub log_lines {
    my ($re) = @_;
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/error.log" or die "no error.log: $!";
    return grep { /$re/ } <$fh>;
}

sub spool_files {
    my ($dir, $re) = @_;
    opendir my $dh, $dir or die "$dir: $!";
    return grep { /$re/ } readdir $dh;
}

# a spool file as an exiting worker writes it, with XADDs of these ids
sub spool_file {
    my ($dir, $n, @ids) = @_;
    my $server = '127.0.0.1:' . t::RUM::redis_port();
    my $body = "RUMSPOOL 1 $server\n";
    for my $id (@ids) {
        my @argv = ('XADD', 'rum:beacons', '*', 'id', $id);
        my $cmd = '*' . @argv . "\r\n"
                  . join('', map { '$' . length($_) . "\r\n$_\r\n" } @argv);
        $body .= length($cmd) . "\n$cmd\n";
    }
    $body .= sprintf "END %d %08x\n", scalar @ids,
                     Compress::Zlib::crc32($body);
    my $name = sprintf 'rum-%08x-1-%d.spool',
                       Compress::Zlib::crc32($server), $n;
    return ($name, $body);
}

sub put_file {
    my ($dir, $name, $body) = @_;
    open my $fh, '>:raw', "$dir/.put.tmp" or die "$dir: $!";
    print $fh $body;
    close $fh;
    rename "$dir/.put.tmp", "$dir/$name" or die "rename: $!";
}

run_tests();

__DATA__

=== TEST 1: two reloads with Redis away: every beacon arrives once Redis is back
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_spool $TEST_NGINX_SPOOL/reloads;
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
my $dir = "$ENV{TEST_NGINX_SPOOL}/reloads";
t::RUM::stop_redis();
my @codes = map { main::post("away-$_") } 1 .. 20;
main::is("@codes", join(' ', (204) x 20), 'answered with Redis away');
main::ok(main::reload(), 'the old worker exited');
my $st = main::status();
main::is($st->{redis}{spool}{written}, 20, 'it spooled its 20 entries');
main::is($st->{redis}{dropped}{exit}, 0, 'it dropped none');
main::ok(t::RUM::wait_until(sub {
    main::status()->{redis}{spool}{replayed} == 20 }, 5 * $main::slow),
    'the new worker took them');
main::is(scalar main::spool_files($dir, qr/\.spool$/), 0, 'the file is gone');
main::is(main::status()->{queue}{entries}, 20, 'they wait in its queue');
@codes = map { main::post("away-$_") } 21 .. 30;
main::is("@codes", join(' ', (204) x 10), 'more answered');
main::ok(main::reload(), 'a second reload');
main::ok(t::RUM::wait_until(sub {
    main::status()->{redis}{spool}{replayed} == 50 }, 5 * $main::slow),
    '30 more spooled and taken');
t::RUM::start_redis();
main::ok(t::RUM::wait_until(sub {
    (t::RUM::redis('XLEN', 'rum:beacons') // 0) >= 30 }, 10 * $main::slow),
    'Redis back: the entries arrive');
my @ids = map { $_->{id} } t::RUM::stream_entries('rum:beacons');
main::is("@ids", join(' ', map { "away-$_" } 1 .. 30),
         'all 30, once each, in order');
$st = main::status();
main::is($st->{redis}{spool}{written}, 50, 'written: 20 + 30');
main::is($st->{redis}{dropped}{exit}, 0, 'nothing dropped');
main::is($st->{queue}{entries}, 0, 'nothing queued');
main::is(scalar main::log_lines(qr/\[notice\].*rum: 30 entries for Redis "[^"]+" spooled to/),
         1, 'the second spool is logged');
main::is(scalar main::log_lines(qr/\[notice\].*rum: 30 entries taken from the spool file/),
         1, 'so is its replay');
--- no_error_log
[alert]



=== TEST 2: torn and corrupt files are set aside, never half sent
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_spool $TEST_NGINX_SPOOL/corrupt;
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
my $dir = "$ENV{TEST_NGINX_SPOOL}/corrupt";
my ($name, $body) = main::spool_file($dir, 1, 'good-1', 'good-2');
main::put_file($dir, $name, $body);
# a flipped byte in an entry: the checksum fails
($name, $body) = main::spool_file($dir, 2, 'bad-1', 'bad-2');
$body =~ s/bad-2/bad-3/;
main::put_file($dir, $name, $body);
# torn: the end is missing
($name, $body) = main::spool_file($dir, 3, 'torn-1', 'torn-2');
main::put_file($dir, $name, substr($body, 0, length($body) - 30));
# a record longer than the file
($name, $body) = main::spool_file($dir, 4, 'long-1');
$body =~ s/\A(RUMSPOOL[^\n]*\n)(\d+)/$1 . ($2 + 100)/e;
$body =~ s/END 1 \w+\n\z//;
$body .= sprintf "END 1 %08x\n", Compress::Zlib::crc32($body);
main::put_file($dir, $name, $body);
main::ok(t::RUM::wait_until(sub {
    main::status()->{redis}{spool}{corrupt} == 3 }, 5 * $main::slow),
    'three files did not check');
main::ok(t::RUM::wait_until(sub {
    (t::RUM::redis('XLEN', 'rum:beacons') // 0) >= 2 }, 5 * $main::slow),
    'the good file was sent');
sleep 0.5;
my @ids = map { $_->{id} } t::RUM::stream_entries('rum:beacons');
main::is("@ids", 'good-1 good-2', 'only its entries');
main::is(main::status()->{redis}{spool}{replayed}, 2, 'replayed: 2');
main::is(scalar main::spool_files($dir, qr/\.spool\.corrupt$/), 3,
         'the bad files are kept aside');
main::is(scalar main::spool_files($dir, qr/\.spool$/), 0,
         'none is left to take');
main::is(scalar main::log_lines(qr/\[error\].*rum: the spool file "[^"]+" (does not check|shorter)/),
         3, 'each is logged');
--- no_error_log
[alert]



=== TEST 3: a full spool: what does not fit is counted exactly
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_spool $TEST_NGINX_SPOOL/full max_size=1k;
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
my @codes = map { main::post("full-$_") } 1 .. 20;
main::is("@codes", join(' ', (204) x 20), 'answered with Redis away');
main::ok(main::reload(), 'the old worker exited');
my $st = main::status();
my ($spooled, $dropped) = ($st->{redis}{spool}{written},
                           $st->{redis}{dropped}{exit});
main::ok($spooled > 0 && $spooled < 20, "some fit in 1k ($spooled)");
main::is($spooled + $dropped, 20, "the rest is counted dropped ($dropped)");
main::is(scalar main::log_lines(
             qr/\[error\].*rum: $dropped entries for Redis "[^"]+" were not written/),
         1, 'and logged');
t::RUM::start_redis();
main::ok(t::RUM::wait_until(sub {
    (t::RUM::redis('XLEN', 'rum:beacons') // 0) >= $spooled }, 10 * $main::slow),
    'Redis back: the spooled ones arrive');
my @ids = map { $_->{id} } t::RUM::stream_entries('rum:beacons');
main::is("@ids", join(' ', map { "full-$_" } 1 .. $spooled),
         'the oldest, in order');
--- no_error_log
[alert]



=== TEST 4: nginx stops with Redis away ...
--- main_config
    worker_shutdown_timeout 1s;
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_spool $TEST_NGINX_SPOOL/restart;
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
--- stream_key: rum:none
--- stream_check
t::RUM::stop_redis();
my @codes = map { main::post("restart-$_") } 1 .. 10;
main::is("@codes", join(' ', (204) x 10), 'answered with Redis away');
--- no_error_log
[alert]



=== TEST 5: ... and starts again with Redis back: the entries arrive
--- main_config
    worker_shutdown_timeout 1s;
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_spool $TEST_NGINX_SPOOL/restart;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
START
FLUSHALL
--- request
GET /status
--- stream_len: 10
--- stream_wait: 10
--- stream_check
my @ids = map { $_->{id} } @_;
main::is("@ids", join(' ', map { "restart-$_" } 1 .. 10), 'all, in order');
my $st = main::status();
main::is($st->{redis}{spool}{replayed}, 10, 'taken from the spool');
main::is(scalar main::spool_files("$ENV{TEST_NGINX_SPOOL}/restart",
                                  qr/\.spool$/), 0, 'which is empty');
--- no_error_log
[alert]



=== TEST 6: rum_spool off: the old worker counts what it could not write
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    rum_spool off;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ map { "POST /rum\n{\"id\":\"off-$_\"}" } 1 .. 3 ]
--- error_code eval
[204, 204, 204]
--- stream_key: rum:none
--- stream_check
main::ok(main::reload(), 'the old worker exited');
my $st = main::status();
main::is($st->{redis}{dropped}{exit}, 3, 'dropped: 3');
main::is($st->{redis}{spool}{written}, 0, 'nothing spooled');
main::is(scalar main::log_lines(
             qr/\[error\].*rum: 3 entries for Redis "[^"]+" were not written/),
         1, 'one line says how many');
--- no_error_log
[alert]
