package t::RUM;

# Test helpers of ngx_http_rum_module, on top of Test::Nginx::Socket (the
# real CPAN one, or the lite one in t/lib).  A .t file starts with
#
#     use lib '.';            # so that "t::RUM" is found from the repo root
#     use t::RUM 'no_plan';   # or: use t::RUM; plan tests => ...;
#
# and gets everything Test::Nginx::Socket exports, plus:
#
#   - a private redis-server, started when the first block needs it (a block
#     with a redis_* / stream_* section, or TEST_NGINX_REDIS_* in its
#     config), stopped when the test file exits;  $TEST_NGINX_REDIS_PORT and
#     $TEST_NGINX_REDIS_SOCKET are set from the start, for configs and evals;
#   - block sections, checked after the block's last request:
#       --- redis_before    commands run before the block (and before each
#                           repeat), e.g. FLUSHALL, STOP
#       --- redis_after     commands run after the last request, before the
#                           stream checks, e.g. START
#       --- stream_key      stream to check (default rum:beacons)
#       --- stream_len: N   1 test: XLEN becomes N (polled)
#       --- stream_like     1 test per line: regex matching an entry line
#       --- stream_unlike   1 test per line: regex matching no entry line
#       --- stream_check    Perl code, run with the entries (hashes) in @_;
#                           it makes its own tests
#       --- stream_wait: S  how long to poll (default 3 seconds)
#   - functions: redis(@cmd), stream_entries($key), stream_text($key),
#     start_redis(), stop_redis(), redis_port(), redis_socket().
#
# See t/README.md for the details and examples.

use strict;
use warnings;

use File::Temp ();
use IO::Socket::INET ();
use IO::Socket::UNIX ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my ($RedisDir, $RedisPid, $GuardPid, $Conn, $OwnerPid);

sub stop_redis ();
sub start_redis ();

# Stop Redis when the test file is done.  This END block is compiled before
# Test::Nginx::Socket is loaded below, so it runs after the runner's own END
# block has stopped nginx: nginx never sees Redis vanish before it exits.
END {
    stop_redis() if defined $OwnerPid && $$ == $OwnerPid;
}

use Test::Nginx::Socket -base;

our @EXPORT = qw(redis stream_entries stream_text start_redis stop_redis
                 redis_port redis_socket redis_alive wait_until);

$OwnerPid = $$;
$RedisDir = File::Temp::tempdir('rum-redis-XXXXXX', TMPDIR => 1, CLEANUP => 1);
$ENV{TEST_NGINX_REDIS_SOCKET} = "$RedisDir/redis.sock";
$ENV{TEST_NGINX_REDIS_PORT} ||= _free_port();

sub redis_port ()   { $ENV{TEST_NGINX_REDIS_PORT} }
sub redis_socket () { $ENV{TEST_NGINX_REDIS_SOCKET} }

sub _free_port {
    for my $port (16379 .. 16979) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => $port, Listen => 1,
                                      ReuseAddr => 1) or next;
        close $s;
        return $port;
    }
    die "t::RUM: no free port for redis-server\n";
}

# --------------------------------------------------------------------------
# redis-server
# --------------------------------------------------------------------------

sub redis_alive () {
    my $pong = eval { _command('PING') };
    return defined $pong && $pong eq 'PONG';
}

# Start our redis-server (no-op when it runs).  A small guard process sits
# between us and redis-server and kills it if this test process dies
# without running END (SIGKILL, crash).
sub start_redis () {
    return if $RedisPid && redis_alive();
    undef $Conn;
    my $port = redis_port();
    my @cmd = ('redis-server', '--port', $port, '--bind', '127.0.0.1',
               '--unixsocket', redis_socket(), '--unixsocketperm', '777',
               '--save', '', '--appendonly', 'no', '--dir', $RedisDir,
               '--daemonize', 'no', '--protected-mode', 'no',
               '--logfile', "$RedisDir/redis.log");

    my $parent = $$;
    pipe my $rd, my $wr or die "pipe: $!";
    my $guard = fork;
    die "t::RUM: fork failed: $!" unless defined $guard;
    if ($guard == 0) {
        close $rd;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        my $pid = fork;
        if (defined $pid && $pid == 0) {
            close $wr;
            exec @cmd or POSIX::_exit(127);
        }
        print $wr "$pid\n";
        close $wr;
        # until redis exits: if our test process is gone, kill redis
        while (waitpid($pid, WNOHANG) == 0) {
            if (getppid() != $parent) {
                kill 'TERM', $pid;
                waitpid($pid, 0);
                last;
            }
            sleep 0.2;
        }
        POSIX::_exit(0);
    }
    close $wr;
    chomp($RedisPid = <$rd> // '');
    close $rd;
    $GuardPid = $guard;

    my $deadline = time + 5;
    until (redis_alive()) {
        if (time > $deadline || waitpid($GuardPid, WNOHANG) == $GuardPid) {
            my $log = '';
            if (open my $in, '<', "$RedisDir/redis.log") { local $/; $log = <$in> }
            die "t::RUM: redis-server did not start on port $port:\n$log";
        }
        sleep 0.05;
    }
}

# Kill our redis-server abruptly (as a crash would); no-op when not running.
sub stop_redis () {
    undef $Conn;
    return unless $RedisPid;
    kill 'KILL', $RedisPid;
    waitpid($GuardPid, 0) if $GuardPid;     # the guard reaps redis and exits
    undef $RedisPid;
    undef $GuardPid;
    unlink redis_socket();
}

# --------------------------------------------------------------------------
# A tiny binary-safe RESP client
# --------------------------------------------------------------------------

sub _conn {
    return $Conn if $Conn;
    $Conn = IO::Socket::UNIX->new(Peer => redis_socket())
         || IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => redis_port(), Timeout => 3)
        or die "t::RUM: cannot connect to redis: $!\n";
    binmode $Conn;
    return $Conn;
}

sub _read_line {
    my $c = shift;
    my $line = <$c>;
    die "t::RUM: redis closed the connection\n" unless defined $line;
    $line =~ s/\r\n\z//;
    return $line;
}

sub _read_reply {
    my $c = shift;
    my $line = _read_line($c);
    my ($type, $rest) = (substr($line, 0, 1), substr($line, 1));
    return $rest if $type eq '+';
    return $rest + 0 if $type eq ':';
    die "t::RUM: redis error: $rest\n" if $type eq '-';
    if ($type eq '$') {
        return undef if $rest < 0;
        my $buf = '';
        while (length $buf < $rest + 2) {
            my $n = read $c, $buf, $rest + 2 - length $buf, length $buf;
            die "t::RUM: redis closed the connection\n" unless $n;
        }
        return substr $buf, 0, $rest;
    }
    if ($type eq '*') {
        return undef if $rest < 0;
        return [ map { _read_reply($c) } 1 .. $rest ];
    }
    die "t::RUM: bad redis reply: $line\n";
}

# redis('XADD', 'k', '*', 'f', 'v') -> the reply: a string or number, an
# array ref for arrays, undef for nil; dies on an error reply.  Starts our
# redis-server if needed.
sub redis (@) {
    start_redis() unless $RedisPid;
    return _command(@_);
}

sub _command {
    my @cmd = @_;
    my $req = '*' . @cmd . "\r\n";
    $req .= '$' . length($_) . "\r\n$_\r\n" for map { defined $_ ? $_ : '' } @cmd;
    my $c = _conn();
    local $SIG{PIPE} = 'IGNORE';
    print {$c} $req or do { undef $Conn; die "t::RUM: redis write failed: $!\n" };
    my $reply = eval { _read_reply($c) };
    if ($@) {
        my $err = $@;
        undef $Conn if $err !~ /redis error/;
        return undef if uc($cmd[0]) eq 'SHUTDOWN' && $err =~ /closed/;
        die $err;
    }
    return $reply;
}

# Polls $cond every 0.1 s until it returns true or $secs (default 10) have
# passed; returns its last value.  For what nginx does after the response,
# which takes longer under valgrind than any fixed sleep can assume.
sub wait_until (&;$) {
    my ($cond, $secs) = @_;
    my $v;
    for (1 .. 10 * ($secs || 10)) {
        last if $v = $cond->();
        select undef, undef, undef, 0.1;
    }
    return $v;
}

# Entries of a stream, oldest first: a list of hash refs { field => value },
# plus "_stream_id" (the entry's id in the stream).
sub stream_entries (;$) {
    my $key = shift // 'rum:beacons';
    my $r = redis('XRANGE', $key, '-', '+') || [];
    my @out;
    for my $e (@$r) {
        my ($id, $kv) = @$e;
        push @out, { @$kv, _stream_id => $id };
    }
    return @out;
}

sub _escape {
    my $v = shift;
    $v =~ s/\\/\\\\/g;
    $v =~ s/\n/\\n/g;
    $v =~ s/\r/\\r/g;
    $v =~ s/\t/\\t/g;
    $v =~ s/([\x00-\x1f\x7f])/sprintf '\\x%02x', ord $1/ge;
    return $v;
}

# The stream as text, one line per entry: "field=value field=value ...",
# fields in their stream order, values with \\ \n \r \t \xHH escapes.
sub stream_text (;$) {
    my $key = shift // 'rum:beacons';
    my $r = redis('XRANGE', $key, '-', '+') || [];
    my $text = '';
    for my $e (@$r) {
        my @kv = @{ $e->[1] };
        my @parts;
        while (my ($k, $v) = splice @kv, 0, 2) {
            push @parts, "$k=" . _escape($v // '');
        }
        $text .= join(' ', @parts) . "\n";
    }
    return $text;
}

# --------------------------------------------------------------------------
# Block sections
# --------------------------------------------------------------------------

# Split a command line like redis-cli: words, "double quoted" with \n \r \t
# \\ \" \xHH escapes, or 'single quoted'.
sub _split_command ($) {
    my $line = shift;
    my @args;
    while ($line =~ /\G\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/gc) {
        if (defined $1) {
            my $s = $1;
            $s =~ s/\\(x[0-9a-fA-F]{2}|.)/
                my $e = $1;
                $e =~ m{^x} ? chr hex substr($e, 1)
                : $e eq 'n' ? "\n" : $e eq 'r' ? "\r" : $e eq 't' ? "\t" : $e/ge;
            push @args, $s;
        } else {
            push @args, defined $2 ? $2 : $3;
        }
    }
    return @args;
}

# Commands of a redis_before/redis_after section: lines of text, or (with
# "eval") an array of command lines or argv array refs.  Besides Redis
# commands: STOP (kill our redis), START (start it again), SLEEP secs.
sub _run_commands ($$) {
    my ($block, $section) = @_;
    my $val = $block->$section;
    return unless defined $val;
    my $name = $block->name;
    my @cmds = ref $val eq 'ARRAY' ? @$val : grep { /\S/ && !/^\s*#/ } split /\n/, $val;
    for my $cmd (@cmds) {
        my @argv = ref $cmd ? @$cmd
                 : _split_command(_expand($cmd, $name));
        next unless @argv;
        my $op = uc $argv[0];
        eval {
            if ($op eq 'STOP')     { stop_redis() }
            elsif ($op eq 'START') { start_redis() }
            elsif ($op eq 'SLEEP') { sleep($argv[1] || 0) }
            else                   { redis(@argv) }
            1;
        } or Test::More::fail("$name - $section: @argv: $@");
    }
}

# Whether a block wants our Redis.
sub _uses_redis ($) {
    my $block = shift;
    for my $s (qw(redis_before redis_after stream_len stream_like
                  stream_unlike stream_check)) {
        return 1 if defined $block->$s;
    }
    for my $s (qw(config http_config main_config)) {
        my $v = $block->$s;
        return 1 if defined $v && $v =~ /\$TEST_NGINX_REDIS_/;
    }
    return 0;
}

# Stop the previous block's nginx before touching Redis, so that it cannot
# write into the state this block prepares.
sub _stop_running_nginx () {
    my $pidfile = Test::Nginx::Socket::server_root() . '/logs/nginx.pid';
    open my $in, '<', $pidfile or return;
    my ($pid) = (<$in> // '') =~ /(\d+)/;
    close $in;
    return unless $pid && kill 0, $pid;
    kill 'QUIT', $pid;
    my $deadline = time + 5;
    while (time < $deadline && -e $pidfile) {
        waitpid($pid, WNOHANG);
        sleep 0.02;
    }
}

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;
    return unless _uses_redis($block);
    _stop_running_nginx() if defined $block->redis_before;
    start_redis();
    _run_commands($block, 'redis_before');
});

# How many requests (responses) a block makes, to find its last one.
sub _nreqs ($) {
    my $block = shift;
    return scalar @{ $block->pipelined_requests } if $block->pipelined_requests;
    my $r = $block->request;
    return ref $r eq 'ARRAY' ? scalar @$r : 1;
}

sub _patterns_of ($) {
    my $v = shift;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { /\S/ } split /\n/, $v;
}

# The number of tests the stream sections of a block make.
sub _ntests ($) {
    my $block = shift;
    my $n = 0;
    $n++ if defined $block->stream_len;
    $n += () = _patterns_of($block->stream_like);
    $n += () = _patterns_of($block->stream_unlike);
    return $n;
}

Test::Nginx::Socket::add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    return unless $req_idx == _nreqs($block) - 1;
    return unless _uses_redis($block);
    my $name = $block->name;

    if ($dry_run) {
      SKIP: { Test::More::skip("$name - stream checks skipped", _ntests($block)) }
        return;
    }

    _run_commands($block, 'redis_after');

    my $key  = _expand($block->stream_key // 'rum:beacons', $name);
    my $wait = $block->stream_wait // 3;
    my @like   = map { ref $_ ? $_ : qr/$_/m } _patterns_of($block->stream_like);
    my @unlike = map { ref $_ ? $_ : qr/$_/m } _patterns_of($block->stream_unlike);
    my $want_len = $block->stream_len;

    # Entries arrive after the response: poll until what is expected is
    # there, or the time is up.
    my ($len, $text);
    my $deadline = time + $wait;
    while (1) {
        $len  = eval { redis('XLEN', $key) } // -1;
        $text = eval { stream_text($key) } // '';
        my $ok = (!defined $want_len || $len == $want_len)
              && !grep { $text !~ $_ } @like;
        last if $ok || time > $deadline;
        sleep 0.05;
    }
    # a stream expected to stay short gets a moment to prove it does
    if (defined $want_len) {
        sleep 0.2;
        $len  = eval { redis('XLEN', $key) } // -1;
        $text = eval { stream_text($key) } // '';
    }

    if (defined $want_len) {
        Test::More::is($len, $want_len, "$name - stream $key length")
            or Test::More::diag("stream $key:\n$text");
    }
    for my $re (@like) {
        Test::More::like($text, $re, "$name - stream $key like $re");
    }
    for my $re (@unlike) {
        Test::More::unlike($text, $re, "$name - stream $key unlike $re");
    }
    if (defined(my $code = $block->stream_check)) {
        my @entries = stream_entries($key);
        my $sub = eval "package main; sub { $code }"
            or Test::More::fail("$name - stream_check does not compile: $@");
        if ($sub) {
            eval { $sub->(@entries); 1 }
                or Test::More::fail("$name - stream_check died: $@");
        }
    }

    # the next repeat of this block starts from the same Redis state
    _run_commands($block, 'redis_before')
        if $repeated_req_idx < Test::Nginx::Socket::repeat_each() - 1;
});

# $TEST_NGINX_* in our sections, like the runner does in configs.
sub _expand {
    my ($text, $name) = @_;
    return $text unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        defined $ENV{$1} ? $ENV{$1} : die "$name - No environment $1 defined.\n"
    }ge;
    return $text;
}

1;
