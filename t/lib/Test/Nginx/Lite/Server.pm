package Test::Nginx::Lite::Server;

# The nginx side of the lite Test::Nginx::Socket: the server root under
# t/servroot, nginx.conf, starting and stopping nginx (optionally under
# valgrind), and the TEST_NGINX_* variables.

use strict;
use warnings;

use Cwd ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use IO::Socket::INET ();
use POSIX qw(SIGQUIT SIGKILL SIGTERM WNOHANG);
use Time::HiRes qw(sleep time);

# ---- settings (set through Test::Nginx::Socket's API or the environment)

our $NginxBinary   = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $Workers       = 1;
our $WorkerConnections = 64;
our $LogLevel      = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcess = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $ServerAddr    = '127.0.0.1';
our $ServerName    = 'localhost';
our $ServerPort    = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
our $ClientPort    = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $Timeout       = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $UseValgrind   = $ENV{TEST_NGINX_USE_VALGRIND};
our $LoadModules   = $ENV{TEST_NGINX_LOAD_MODULES};
our $Sleep         = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $NoRootLocation = 0;
our $NoManager     = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $ConfigPreamble = '';
our @EnvToNginx;
our $OwnerPid      = $$;

our $ServRoot   = $ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot');
$ServRoot =~ s{/+$}{};
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
our $LogDir     = "$ServRoot/logs";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $HtmlDir    = "$ServRoot/html";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $PidFile    = "$LogDir/nginx.pid";
our $ValgrindLog = "$LogDir/valgrind.log";

our $ChildPid;          # nginx (or valgrind) when it runs in the foreground
our %RandPorts;         # $TEST_NGINX_RAND_PORT_N of the current block
my $NginxVersion;

sub nginx_version () {
    return $NginxVersion if defined $NginxVersion;
    my $out = `$NginxBinary -V 2>&1`;
    if ($? == 0 && $out =~ m{nginx[^/]*/(\d+)\.(\d+)\.(\d+)}) {
        $NginxVersion = sprintf "%d.%03d%03d", $1, $2, $3;
    } else {
        Test::Nginx::Socket::bail_out("Failed to run \"$NginxBinary -V\": $out");
    }
    return $NginxVersion;
}

sub init {
    nginx_version();
    $OwnerPid = $$;
}

# "10ms" -> 0.01, "2s" -> 2, "3" -> 3
sub parse_time ($) {
    my $t = shift;
    return undef unless defined $t;
    return $1 / 1000 if $t =~ /^\s*([\d.]+)\s*ms\s*$/;
    return $1 if $t =~ /^\s*([\d.]+)\s*s?\s*$/;
    return $t;
}

sub _free_port {
    for (1 .. 1000) {
        my $port = 1988 + int rand 60000;
        next if $port == $ServerPort
                || grep { defined $_ && $_ == $port } values %RandPorts;
        my $s = IO::Socket::INET->new(LocalAddr => $ServerAddr,
                                      LocalPort => $port, Listen => 1,
                                      ReuseAddr => 1) or next;
        close $s;
        return $port;
    }
    return undef;
}

# Replace $TEST_NGINX_FOO by $ENV{TEST_NGINX_FOO}; $TEST_NGINX_RAND_PORT_N
# by a free port, the same one within a block.
sub expand_env_in_text ($$) {
    my ($text, $name) = @_;
    return $text unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $RandPorts{$var} //= _free_port()
                // Test::Nginx::Socket::bail_out("$name - no free port for $var");
        } else {
            defined $ENV{$var}
                or Test::Nginx::Socket::bail_out("$name - No environment $var defined.\n");
            $ENV{$var};
        }
    }ge;
    return $text;
}

# ---- server root

sub setup_server_root {
    %RandPorts = ();
    if (-d $ServRoot) {
        # remove only what we create, in case TEST_NGINX_SERVROOT is misused
        remove_tree($ConfDir, $LogDir, $HtmlDir, "$ServRoot/cache",
                    glob("$ServRoot/*_cache"), glob("$ServRoot/*_temp"));
    }
    make_path($ServRoot, $LogDir, $HtmlDir, $ConfDir);
    open my $out, '>', "$HtmlDir/index.html"
        or Test::Nginx::Socket::bail_out("Can't write $HtmlDir/index.html: $!");
    print $out "<html><head><title>It works!</title></head>"
             . "<body>It works!</body></html>";
    close $out;
}

# --- user_files: ">>> name [touch-date]" lines start files (relative to
# the html dir, or absolute); an ARRAY of [name, body, date] also works.
sub write_user_files {
    my ($class, $block) = @_;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
                push @list, [$1, '', $2];
            } elsif (@list) {
                $list[-1][1] .= $line;
            }
        }
        $files = \@list;
    } elsif (ref $files ne 'ARRAY') {
        Test::Nginx::Socket::bail_out("$name - wrong value type for user_files");
    }

    for my $f (@$files) {
        my ($fname, $body, $date) = @$f;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        (my $dir = $path) =~ s{/[^/]*$}{};
        make_path($dir) unless -d $dir;
        $body = expand_env_in_text(defined $body ? $body : '', $name);
        open my $out, '>', $path
            or Test::Nginx::Socket::bail_out("$name - Cannot write $path: $!");
        binmode $out;
        print $out $body;
        close $out;
        if ($date) {
            system("TZ=GMT touch -t '$date' '$path'") == 0
                or Test::Nginx::Socket::bail_out("$name - touch $path failed");
        }
    }
}

# ---- nginx.conf (same layout as the real runner's)

sub write_config {
    my ($class, $block) = @_;
    my $name = $block->name;
    my $x = sub { my $v = shift; defined $v ? expand_env_in_text($v, $name) : '' };

    my $config      = $x->($block->config);
    my $http_config = $x->($block->http_config);
    my $main_config = $x->($block->main_config);
    my $post_main   = $x->($block->post_main_config);
    my $err_log     = $x->($block->error_log_file) || $ErrLogFile;
    my $server_name = defined $block->server_name ? $block->server_name : $ServerName;
    my $log_level   = $block->log_level || $LogLevel;
    (my $quoted_name = $server_name) =~ s/(['\\])/\\$1/g;

    if ($LoadModules) {
        my @mods = map { "load_module $_;" } grep { length } split /\s+/, $LoadModules;
        $main_config = join(' ', @mods, $main_config);
    }

    my $daemon = $UseValgrind ? 'off' : 'on';

    my $nginx_V = `$NginxBinary -V 2>&1`;
    my $temp = "client_body_temp_path $ServRoot/client_body_temp; ";
    $temp = '' if $http_config =~ /\bclient_body_temp_path\b/;
    $temp .= "proxy_temp_path $ServRoot/proxy_temp; "
        unless $http_config =~ /\bproxy_temp_path\b/;
    for my $m (qw(fastcgi scgi uwsgi)) {
        $temp .= "${m}_temp_path $ServRoot/${m}_temp; "
            unless $nginx_V =~ /--without-http_${m}_module/;
    }

    my $env = join '', map { my $v = /\s/ ? "'$_'" : $_; "env $v;\n" }
                       qw(LD_PRELOAD LD_LIBRARY_PATH ASAN_OPTIONS), @EnvToNginx;

    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    my $user = $> == 0 ? "user root;\n" : '';

    open my $out, '>', $ConfFile
        or Test::Nginx::Socket::bail_out("Can't open $ConfFile for writing: $!");
    print $out <<"_EOC_";
worker_processes  $Workers;
daemon $daemon;
master_process $MasterProcess;
error_log $err_log $log_level;
pid       $PidFile;
$env
$main_config

http {
    access_log $AccLogFile;
    $temp

    default_type text/plain;
    keepalive_timeout  68000ms;

$http_config

    server {
        listen          $ServerPort;
        server_name     '$quoted_name';

        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main

events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
}
$user
_EOC_
    close $out;
}

# ---- starting and stopping

sub _nginx_cmd {
    return ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile,
            '-e', $ErrLogFile);
}

# valgrind's command line: TEST_NGINX_USE_VALGRIND=1 gives ours; any other
# non-numeric value is taken as the valgrind options (as the real runner).
sub _valgrind_cmd {
    my @cmd = ('valgrind', '-q', "--log-file=$ValgrindLog");
    if ($UseValgrind =~ /^\d+$/) {
        push @cmd, qw(--tool=memcheck --leak-check=full --show-possibly-lost=no
                      --errors-for-leak-kinds=definite --gen-suppressions=all
                      --num-callers=30 --error-exitcode=99);
        my %seen;
        for my $f ('valgrind.suppress', 't/valgrind.suppress') {
            next unless -f $f;
            my $abs = Cwd::abs_path($f);
            push @cmd, "--suppressions=$abs" unless $seen{$abs}++;
        }
    } else {
        push @cmd, split ' ', $UseValgrind;
    }
    return @cmd;
}

# Start nginx for a block; returns true once it accepts connections.
sub start {
    my ($class, $block) = @_;
    my $name = $block->name;
    unlink $ValgrindLog;

    if ($UseValgrind) {
        # foreground (daemon off) child, so that we get valgrind's status
        my @cmd = (_valgrind_cmd(), _nginx_cmd());
        warn "$name\n";
        my $pid = fork;
        Test::Nginx::Socket::bail_out("fork failed: $!") unless defined $pid;
        if ($pid == 0) {
            open STDOUT, '>', '/dev/null';
            exec @cmd or POSIX::_exit(127);
        }
        $ChildPid = $pid;
    } else {
        # daemon on: the command returns once nginx is up (or failed)
        my $status;
        for my $try (1 .. 20) {
            $status = system(join(' ', map { "'$_'" } _nginx_cmd()) . ' > /dev/null');
            last if $status == 0;
            # the previous nginx may still hold the port for a moment
            last unless error_log_tail(5) =~ /Address already in use/;
            sleep 0.1 * $try;
        }
        return 0 if $status != 0;
    }

    # wait until it listens (valgrind makes start-up slow)
    my $deadline = time + ($UseValgrind ? 60 : 10);
    while (time < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => $ServerAddr,
                                      PeerPort => $ClientPort, Timeout => 1);
        if ($s) { close $s; return 1 }
        if ($ChildPid && waitpid($ChildPid, WNOHANG) == $ChildPid) {
            undef $ChildPid;
            return 0;
        }
        sleep 0.05;
    }
    return 0;
}

# For --- must_die: run nginx and return its exit status.
sub start_and_wait_exit {
    my ($class, $name) = @_;
    my $cmd = join(' ', map { "'$_'" } _nginx_cmd()) . ' > /dev/null';
    return system($cmd);
}

sub _pid_from_file {
    open my $in, '<', $PidFile or return undef;
    my $pid = <$in>;
    close $in;
    return undef unless defined $pid && $pid =~ /^\s*(\d+)/;
    return $1;
}

# Alive and not a zombie (a daemonized nginx is not our child, and the
# container's init may not reap it).
sub _alive ($) {
    my $pid = shift;
    return 0 unless kill 0, $pid;
    if (open my $st, '<', "/proc/$pid/stat") {
        my $line = <$st>;
        return 0 if defined $line && $line =~ /^\d+ \(.*\) Z/;
    }
    return 1;
}

# Stop nginx gracefully (QUIT), as the real runner does, then harder.
our $LastChildStatus;
sub stop {
    my ($class, $name) = @_;
    undef $LastChildStatus;

    if ($ChildPid) {                    # foreground child (valgrind)
        kill SIGQUIT, $ChildPid;
        my $limit = time + 60;
        while (time < $limit) {
            if (waitpid($ChildPid, WNOHANG) == $ChildPid) {
                $LastChildStatus = $?;
                last;
            }
            sleep 0.02;
        }
        if (!defined $LastChildStatus) {
            warn "$name - timeout when waiting for nginx $ChildPid to exit\n";
            kill SIGKILL, $ChildPid;
            waitpid($ChildPid, 0);
            $LastChildStatus = $?;
        }
        undef $ChildPid;
        unlink $PidFile;
        return;
    }

    my $pid = _pid_from_file() or return;   # daemon
    if (_alive($pid)) {
        kill SIGQUIT, $pid;
        my $limit = time + $Timeout;
        sleep 0.02 while _alive($pid) && time < $limit;
        if (_alive($pid)) {
            warn "$name - timeout when waiting for nginx $pid to exit; killing it\n";
            kill SIGKILL, $pid;
            sleep 0.05;
        }
    }
    unlink $PidFile;
}

# After a valgrind run: fail (one extra test) when valgrind reported errors
# or definite leaks, printing its report.
sub check_valgrind {
    my ($class, $name) = @_;
    our $LastChildStatus;
    my $report = '';
    if (open my $in, '<', $ValgrindLog) {
        local $/;
        $report = <$in>;
        close $in;
    }
    my $status = defined $LastChildStatus ? $LastChildStatus >> 8 : 0;
    if ($status == 99 || $report =~ /^==\d+== \S/m) {
        Test::More::fail("$name - valgrind reported errors (exit status "
                         . "$status):\n$report");
    }
}

sub error_log_tail {
    my $n = shift;
    $n = shift if defined $n && $n eq __PACKAGE__;
    open my $in, '<', $ErrLogFile or return '';
    my @lines = <$in>;
    close $in;
    splice @lines, 0, @lines - $n if @lines > $n;
    return join '', @lines;
}

1;
