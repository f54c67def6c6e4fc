#!/usr/bin/perl
#
# The fault suite (make test-faults): beacons with unique ids under load,
# through the faults an operator meets, then a count of what was answered
# 204 against what is in the stream once everything settled.
#
#   t/faults/faults.pl [SCENARIO...]
#
# One Redis (AOF, appendfsync always: what Redis acknowledged survives its
# own SIGKILL) and one nginx (2 workers) with the module, on private ports.
# Each scenario: 4 posters on keep-alive connections for LOAD seconds, the
# fault at about a third of it, then wait until the queues and the spool
# are empty.  It prints a table (Markdown) and fails when anything
# answered 204 is missing where nothing may be, or more than the worker's
# window where a worker is SIGKILLed.
#
# Environment: TEST_NGINX_BINARY (nginx), TEST_NGINX_LOAD_MODULES (the
# module), FAULTS_LOAD (seconds of load per scenario, default 9).

use strict;
use warnings;

use File::Spec ();
use File::Temp ();
use IO::Socket::INET;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $NGINX  = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $MODULE = $ENV{TEST_NGINX_LOAD_MODULES}
             || 'build/nginx/objs/ngx_http_rum_module.so';
my $LOAD   = $ENV{FAULTS_LOAD} || 9;
my $POSTERS = 4;

# the most a SIGKILLed worker may lose: what it held in memory (README)
my $KILL_WINDOW = 1024;

$MODULE = File::Spec->rel2abs($MODULE);

my $dir = File::Temp::tempdir('rum-faults-XXXXXX', TMPDIR => 1,
                              CLEANUP => !$ENV{FAULTS_KEEP});
chmod 0755, $dir;

my $redis_port = free_port();
my $http_port  = free_port();
my ($redis_pid, $stalled);

my %scenarios = (
    'redis-stop'    => [ 'Redis SIGSTOP for 4 s, then SIGCONT', \&redis_stall ],
    'redis-kill'    => [ 'Redis SIGKILL, restarted 2 s later', \&redis_kill ],
    'reloads'       => [ 'two reloads (HUP), 1 s apart', \&two_reloads ],
    'reload-away'   => [ 'a reload, Redis away 6 s', \&reload_away ],
    'restart-away'  => [ 'nginx stopped and started, Redis away 6 s',
                         \&restart_away ],
    'worker-kill'   => [ 'a worker SIGKILLed', \&worker_kill ],
);
my @order = qw(redis-stop redis-kill reloads reload-away restart-away
               worker-kill);
my @run = @ARGV ? @ARGV : @order;

for my $s (@run) {
    die "unknown scenario \"$s\" (@order)\n" unless $scenarios{$s};
}

start_redis();
write_conf();
start_nginx();

my @rows;
my $failed = 0;

for my $s (@run) {
    my ($what, $fault) = @{ $scenarios{$s} };
    redis_cmd('DEL', 'rum:beacons');
    my $before = status();
    my $t0 = time;
    my @kids = start_posters($s);
    sleep $LOAD / 3;
    my $carry = $fault->($before) || {};
    $before = {} if delete $carry->{restarted};
    my $rest = $LOAD - (time - $t0);
    sleep $rest if $rest > 0;
    my %acked = stop_posters(@kids);
    my $settled = settle($s eq 'worker-kill');
    my $after = status();
    my ($in, $unique, %seen) = (0, 0);
    for my $id (stream_ids()) {
        $in++;
        $unique++ unless $seen{$id}++;
    }
    my $missing = grep { !$seen{$_} } keys %acked;
    my $dups = $in - $unique;
    my %d;
    for my $k (qw(resent spool_written spool_replayed dropped_exit
                  dropped_redis_error rejected_503)) {
        $d{$k} = ($after->{$k} // 0) - ($before->{$k} // 0)
                 + ($carry->{$k} // 0);
    }
    my $limit = $s eq 'worker-kill' ? $KILL_WINDOW : 0;
    my $ok = $settled && $missing <= $limit;
    $failed++ unless $ok;
    push @rows, sprintf '| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |',
        $what, scalar(keys %acked), $unique, $missing, $dups, $d{rejected_503},
        $d{resent}, $d{spool_written}, $d{spool_replayed}, $d{dropped_exit},
        $ok ? 'ok' : ($settled ? 'FAIL' : 'FAIL (did not settle)');
    printf STDERR "%-13s answered 204 %d, in the stream %d, missing %d, "
                  . "duplicates %d\n", $s, scalar(keys %acked), $unique,
                  $missing, $dups;
}

stop_nginx();
stop_redis();

print "| fault | answered 204 | in the stream | missing | duplicates "
      . "| 503 | resent | spooled | replayed | dropped | |\n";
print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
print "$_\n" for @rows;

if ($failed) {
    print STDERR "faults: $failed scenario(s) failed; logs in $dir "
                 . "(FAULTS_KEEP=1 keeps them)\n";
    exit 1;
}

exit 0;


# ---- the faults ---------------------------------------------------------

sub redis_stall {
    kill 'STOP', $redis_pid;
    sleep 4;
    kill 'CONT', $redis_pid;
    return;
}

sub redis_kill {
    kill 'KILL', $redis_pid;
    waitpid $redis_pid, 0;
    sleep 2;
    start_redis();
    return;
}

sub two_reloads {
    kill 'HUP', nginx_pid();
    sleep 1;
    kill 'HUP', nginx_pid();
    return;
}

sub reload_away {
    kill 'STOP', $redis_pid;
    sleep 1;
    kill 'HUP', nginx_pid();
    sleep 5;
    kill 'CONT', $redis_pid;
    return;
}

# the counters live in nginx's shared memory and start anew with nginx:
# the old nginx's share is what it counted until the stop, and what its
# log says it spooled or dropped when it stopped
sub restart_away {
    my ($before) = @_;
    my (%carry, $last, $from);
    kill 'STOP', $redis_pid;
    sleep 1;
    $last = status();
    $from = -s "$dir/logs/error.log";
    stop_nginx();
    for my $k (keys %$last) {
        $carry{$k} = $last->{$k} - ($before->{$k} // 0);
    }
    $carry{spool_written} += log_count($from,
        qr/rum: (\d+) entries for Redis "[^"]+" spooled/);
    $carry{dropped_exit} += log_count($from,
        qr/rum: (\d+) entries for Redis "[^"]+" were not written/);
    start_nginx();
    sleep 4;
    kill 'CONT', $redis_pid;
    $carry{restarted} = 1;
    return \%carry;
}

sub worker_kill {
    my @w = workers();
    kill 'KILL', $w[0] if @w;
    return;
}


# ---- load ---------------------------------------------------------------

sub start_posters {
    my ($s) = @_;
    my @kids;
    for my $k (1 .. $POSTERS) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            poster("$s-$k");
            POSIX::_exit(0);
        }
        push @kids, [ $pid, "$dir/acked-$s-$k" ];
    }
    return @kids;
}

# posts beacons one after another on a keep-alive connection until TERM;
# writes the ids answered 204 (and the count of 503s) to its file
sub poster {
    my ($tag) = @_;
    my ($stop, $i, $busy, $sock, @acked) = (0, 0, 0);
    local $SIG{TERM} = sub { $stop = 1 };
    local $SIG{PIPE} = 'IGNORE';
    my $file = "$dir/acked-$tag";
    while (!$stop) {
        $sock ||= IO::Socket::INET->new(PeerAddr => "127.0.0.1:$http_port",
                                        Timeout => 2);
        if (!$sock) {
            sleep 0.05;
            next;
        }
        my $id = "$tag-" . ++$i;
        my $body = qq({"id":"$id"});
        my $ok = print $sock "POST /rum HTTP/1.1\r\nHost: localhost\r\n"
                   . "Content-Length: " . length($body) . "\r\n\r\n$body";
        my $code = $ok ? read_response($sock) : undef;
        if (!defined $code) {
            undef $sock;
            next;
        }
        push @acked, $id if $code == 204;
        $busy++ if $code == 503;
    }
    open my $fh, '>', $file or die "$file: $!";
    print $fh "503 $busy\n", map { "$_\n" } @acked;
    close $fh;
}

sub read_response {
    my ($sock) = @_;
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $n = sysread $sock, $head, 4096, length $head;
        return undef unless $n;
    }
    my ($code) = $head =~ m{^HTTP/1\.1 (\d+)} or return undef;
    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    $len //= 0;
    my $have = length($head) - index($head, "\r\n\r\n") - 4;
    while ($have < $len) {
        my $n = sysread $sock, my $buf, $len - $have;
        return undef unless $n;
        $have += $n;
    }
    return $code;
}

sub stop_posters {
    my (%acked);
    kill 'TERM', map { $_->[0] } @_;
    for my $k (@_) {
        waitpid $k->[0], 0;
        open my $fh, '<', $k->[1] or die "$k->[1]: $!";
        my $first = <$fh>;
        while (<$fh>) {
            chomp;
            $acked{$_} = 1;
        }
    }
    return %acked;
}

# until nothing is queued, nothing spooled and the stream stays as it is,
# for 1 s in a row (60 s at most).  A SIGKILLed worker never takes what it
# held off the queue gauge: there, the stream and the spool tell.
sub settle {
    my ($killed) = @_;
    my ($quiet, $len) = (0, -1);
    for (1 .. 600) {
        my $st = eval { status() };
        my $files = () = glob "$dir/spool/rum-*.spool";
        my $now = eval { redis_cmd('XLEN', 'rum:beacons') } // -2;
        if ($st && ($killed || $st->{queue_entries} == 0) && $files == 0
            && $now == $len)
        {
            return 1 if ++$quiet >= 10;
        } else {
            $quiet = 0;
        }
        $len = $now;
        sleep 0.1;
    }
    return 0;
}


# ---- nginx --------------------------------------------------------------

sub write_conf {
    mkdir "$dir/logs";
    my $user = $< == 0 ? 'user root;' : '';
    open my $fh, '>', "$dir/nginx.conf" or die $!;
    print $fh <<"END";
load_module $MODULE;
$user
worker_processes 2;
daemon on;
master_process on;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log notice;
events {
    worker_connections 1024;
}
http {
    access_log off;
    client_body_temp_path $dir/body;
    rum_redis 127.0.0.1:$redis_port;
    rum_spool $dir/spool;
    server {
        listen 127.0.0.1:$http_port;
        keepalive_requests 1000000;
        location = /rum {
            rum_endpoint;
        }
        location = /status {
            rum_status;
        }
    }
}
END
    close $fh;
}

sub start_nginx {
    system($NGINX, '-p', $dir, '-c', "$dir/nginx.conf") == 0
        or die "nginx did not start:\n" . `tail -5 $dir/logs/error.log`;
    for (1 .. 100) {
        return if eval { status() };
        sleep 0.05;
    }
    die "nginx does not answer\n";
}

sub stop_nginx {
    my $pid = nginx_pid() or return;
    kill 'QUIT', $pid;
    for (1 .. 300) {
        return unless kill 0, $pid;
        sleep 0.05;
    }
    die "nginx did not stop\n";
}

sub nginx_pid {
    open my $fh, '<', "$dir/logs/nginx.pid" or return;
    my ($pid) = (<$fh> // '') =~ /(\d+)/;
    return $pid;
}

sub workers {
    my $m = nginx_pid();
    return map { /(\d+)/ ? $1 : () } `ps -o pid= --ppid $m`;
}

sub status {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$http_port",
                                  Timeout => 2)
        or die "no connection to nginx: $!";
    print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> } // '';
    $r =~ s/\A.*?\r\n\r\n//s;
    my $j = JSON::PP::decode_json($r);
    return {
        queue_entries       => $j->{queue}{entries},
        resent              => $j->{redis}{resent},
        spool_written       => $j->{redis}{spool}{written},
        spool_replayed      => $j->{redis}{spool}{replayed},
        dropped_exit        => $j->{redis}{dropped}{exit},
        dropped_redis_error => $j->{redis}{dropped}{redis_error},
        rejected_503        => $j->{beacons}{rejected}{queue_full},
    };
}

# the sum of the first group of the error log's lines matching, from
# the offset on
sub log_count {
    my ($from, $re) = @_;
    my $n = 0;
    open my $fh, '<', "$dir/logs/error.log" or return 0;
    seek $fh, $from, 0;
    while (<$fh>) {
        $n += $1 if /$re/;
    }
    return $n;
}


# ---- Redis --------------------------------------------------------------

sub start_redis {
    mkdir "$dir/redis";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec 'redis-server', '--port', $redis_port, '--bind', '127.0.0.1',
             '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
             '--dir', "$dir/redis", '--protected-mode', 'no',
             '--logfile', "$dir/redis/redis.log"
            or POSIX::_exit(127);
    }
    $redis_pid = $pid;
    for (1 .. 200) {
        my $pong = eval { redis_cmd('PING') } // '';
        return if $pong eq 'PONG';
        sleep 0.05;
    }
    die "redis-server did not start\n";
}

sub stop_redis {
    return unless $redis_pid;
    kill 'CONT', $redis_pid;
    kill 'TERM', $redis_pid;
    waitpid $redis_pid, 0;
    undef $redis_pid;
}

sub redis_cmd {
    my @argv = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$redis_port",
                                  Timeout => 2)
        or die "no connection to Redis: $!";
    print $s '*' . @argv . "\r\n",
             map { '$' . length($_) . "\r\n$_\r\n" } @argv;
    my $r = resp($s);
    close $s;
    return $r;
}

sub resp {
    my ($s) = @_;
    my $line = <$s>;
    die "Redis closed the connection\n" unless defined $line;
    $line =~ s/\r\n\z//;
    my ($t, $v) = (substr($line, 0, 1), substr($line, 1));
    return $v if $t eq '+' || $t eq ':';
    die "Redis: $v\n" if $t eq '-';
    if ($t eq '$') {
        return undef if $v < 0;
        my $buf = '';
        read($s, $buf, $v + 2) == $v + 2 or die "short read\n";
        return substr($buf, 0, $v);
    }
    if ($t eq '*') {
        return undef if $v < 0;
        return [ map { resp($s) } 1 .. $v ];
    }
    die "Redis: unexpected \"$line\"\n";
}

# the "id" field of every entry, oldest first
sub stream_ids {
    my (@ids, $from);
    $from = '-';
    for (;;) {
        my $r = redis_cmd('XRANGE', 'rum:beacons', $from, '+', 'COUNT', 10000);
        last unless $r && @$r;
        for my $e (@$r) {
            my %f = @{ $e->[1] };
            push @ids, $f{id} if defined $f{id};
        }
        $from = '(' . $r->[-1][0];
    }
    return @ids;
}

sub free_port {
    for (1 .. 100) {
        my $port = 20000 + int rand 20000;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port",
                                      Listen => 1, ReuseAddr => 1);
        if ($s) {
            close $s;
            return $port;
        }
    }
    die "no free port\n";
}
