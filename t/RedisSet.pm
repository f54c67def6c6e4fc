package t::RedisSet;

# Helpers for the suites that run their own set of Redis processes
# (t/045-sentinel.t, t/047-cluster.t) and load nginx while they fail:
#
#   free_port($bus)            a free TCP port on loopback, not given
#                              before (with $bus, port + $bus free too: a
#                              cluster node's bus)
#   at($port, @cmd)            one command to the Redis on that port (a tiny
#                              RESP client): a string, a number, "ERR ..."
#                              for an error reply, an array ref, or undef
#   spawn($name, @cmd)         a process, its output to /dev/null, killed
#                              with SIGKILL when the test file ends
#   start_server($port, @opt)  redis-server on loopback, waited for
#   kill_server($port)         SIGKILL, and reaped
#   status($query)             nginx's GET /status, decoded; with a query
#                              (?format=prometheus), the text
#   log_lines($re)             lines of nginx's error.log that match
#   reload()                   a HUP to nginx's master
#   ids_at($port, $key)        the beacon ids in a stream, in order
#   start_load($tag, %opt)     posters on keep-alive connections, each beacon
#                              with a unique id "$tag-K-N" (opt: posters,
#                              path with "%s" for the id, default /rum)
#   stop_load($load)           stops them: the ids answered 204
#
# The processes live in a temporary directory, $t::RedisSet::Dir.

use strict;
use warnings;

use Exporter 'import';
use File::Temp ();
use IO::Socket::INET ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep);

our @EXPORT = qw(free_port at spawn start_server kill_server status
                 log_lines start_load stop_load reload ids_at);

our $Dir = File::Temp::tempdir('rum-set-XXXXXX', TMPDIR => 1, CLEANUP => 1);
our %Pid;
my $Owner = $$;

END {
    if ($$ == $Owner) {
        local $?;    # the test's exit status stays
        kill 'KILL', values %Pid;
        waitpid $_, 0 for values %Pid;
    }
}

my %Taken;

sub free_port {
    my ($bus) = @_;
    for (1 .. 200) {
        # below the kernel's ephemeral ports (32768 and up), which any
        # connection may take between this check and the server's bind
        my $port = 20000 + int rand(32768 - 20000 - ($bus // 0));
        next if $Taken{$port} || $bus && $Taken{$port + $bus};
        my @s = map {
            IO::Socket::INET->new(LocalAddr => "127.0.0.1:$_",
                                  Listen => 1, ReuseAddr => 1)
        } $bus ? ($port, $port + $bus) : ($port);
        next if grep { !$_ } @s;
        close $_ for @s;
        $Taken{$port} = 1;
        $Taken{$port + $bus} = 1 if $bus;
        return $port;
    }
    die "no free port\n";
}

sub at {
    my ($port, @argv) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 2) or return undef;
    print $s '*' . @argv . "\r\n",
             map { '$' . length($_) . "\r\n$_\r\n" } @argv;
    my $r = eval { _resp($s) };
    close $s;
    return $r;
}

sub _resp {
    my ($s) = @_;
    my $line = <$s>;
    die "closed\n" unless defined $line;
    $line =~ s/\r\n\z//;
    my ($t, $v) = (substr($line, 0, 1), substr($line, 1));
    return $v if $t eq '+' || $t eq ':';
    return "ERR $v" if $t eq '-';
    if ($t eq '$') {
        return undef if $v < 0;
        read($s, my $buf, $v + 2);
        return substr($buf, 0, $v);
    }
    return undef if $v < 0;
    return [ map { _resp($s) } 1 .. $v ];
}

sub spawn {
    my ($name, @cmd) = @_;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }
    $Pid{$name} = $pid;
}

sub start_server {
    my ($port, @extra) = @_;
    mkdir "$Dir/$port";
    spawn($port, 'redis-server', '--port', $port, '--bind', '127.0.0.1',
          '--save', '', '--appendonly', 'no', '--dir', "$Dir/$port",
          '--protected-mode', 'no', @extra);
    for (1 .. 100) {
        return if (at($port, 'PING') // '') eq 'PONG';
        sleep 0.05;
    }
    die "redis-server on $port did not start\n";
}

sub kill_server {
    my ($port) = @_;
    kill 'KILL', $Pid{$port};
    waitpid $Pid{$port}, 0;
    delete $Pid{$port};
}

sub status {
    my ($query) = @_;
    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1:' . main::server_port())
        or die "no connection to nginx: $!";
    print $s "GET /status" . ($query // '')
             . " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> };
    $r =~ s/\A.*?\r\n\r\n//s;
    return $query ? $r : JSON::PP::decode_json($r);
}

sub log_lines {
    my ($re) = @_;
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/error.log" or die "no error.log: $!";
    return grep { /$re/ } <$fh>;
}

sub ids_at {
    my ($port, $key) = @_;
    my $r = at($port, 'XRANGE', $key, '-', '+');
    return () unless ref $r;
    return map { my %f = @{ $_->[1] }; $f{id} } @$r;
}

sub reload {
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/nginx.pid" or die "no pid file: $!";
    chomp(my $pid = <$fh>);
    kill 'HUP', $pid or die "no master: $!";
}

sub start_load {
    my ($tag, %opt) = @_;
    my $path = $opt{path} // '/rum';
    my @kids;
    for my $k (1 .. ($opt{posters} // 2)) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            my ($stop, $i, $sock, @acked) = (0, 0);
            local $SIG{TERM} = sub { $stop = 1 };
            local $SIG{PIPE} = 'IGNORE';
            while (!$stop) {
                $sock ||= IO::Socket::INET->new(
                    PeerAddr => '127.0.0.1:'
                                . main::server_port(),
                    Timeout => 2);
                if (!$sock) { sleep 0.05; next }
                my $id = "$tag-$k-" . ++$i;
                my $body = qq({"id":"$id"});
                (my $uri = $path) =~ s/%s/$id/;
                print $sock "POST $uri HTTP/1.1\r\nHost: localhost\r\n"
                            . "Content-Length: " . length($body)
                            . "\r\n\r\n$body";
                my $head = '';
                while ($head !~ /\r\n\r\n/) {
                    my $n = sysread $sock, $head, 4096, length $head;
                    last unless $n;
                }
                if ($head !~ m{^HTTP/1\.1 (\d+)}) { undef $sock; next }
                push @acked, $id if $1 == 204;
                sleep 0.002;
            }
            open my $fh, '>', "$Dir/acked-$tag-$k" or die;
            print $fh map { "$_\n" } @acked;
            close $fh;
            POSIX::_exit(0);
        }
        push @kids, [$pid, "$Dir/acked-$tag-$k"];
    }
    return \@kids;
}

sub stop_load {
    my ($kids) = @_;
    my @acked;
    kill 'TERM', map { $_->[0] } @$kids;
    for my $k (@$kids) {
        waitpid $k->[0], 0;
        open my $fh, '<', $k->[1] or die "$k->[1]: $!";
        chomp(my @ids = <$fh>);
        push @acked, @ids;
    }
    return @acked;
}

1;
