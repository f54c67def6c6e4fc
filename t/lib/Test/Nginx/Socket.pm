package Test::Nginx::Socket;

# A small, self-contained replacement for the CPAN Test::Nginx::Socket
# (openresty/test-nginx), covering the subset of its block format that this
# project's suites use.  It is only picked up when the real module is not
# installed (the Makefile adds -It/lib in that case); a .t file must pass
# under both.  See t/README.md for the supported sections.
#
# Like the real one, it is a Test::Base subclass: Test::Base parses the
# "=== TEST" blocks and "--- section" parts (with their filters, such as
# "eval" and "chomp"), and exports Test::More's functions.

use strict;
use warnings;

use Test::Base -base;

use List::Util qw(shuffle);
use Time::HiRes qw(sleep);
use Test::LongString ();
use Digest::MD5 ();
use Digest::SHA ();

use Test::Nginx::Lite::Server;
use Test::Nginx::Lite::HTTP;

our $VERSION = '0.1-lite';

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test
    repeat_each config_preamble worker_connections
    master_process_enabled
    no_long_string workers master_on master_off
    log_level no_shuffle no_root_location use_hup
    server_name
    server_addr server_root html_dir server_port server_port_for_client
    timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_test_cleanup_handler add_cleanup_handler
    add_response_body_check
);

# The server-side state (paths, settings, the running nginx) lives in
# Test::Nginx::Lite::Server, the HTTP client in Test::Nginx::Lite::HTTP.

our $RepeatEach   = 1;
our $NoShuffle    = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $NoLongString = 0;
our $CheckAccumErrLog = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our @BlockPreprocessors;
our @ResponseBodyChecks;
our @CleanupHandlers;
our @TestCleanupHandlers;
our $PrevBlock;
our $ErrLogFilePos = 0;

# --------------------------------------------------------------------------
# Settings API (same names and semantics as the real runner)
# --------------------------------------------------------------------------

sub repeat_each (@) { $RepeatEach = shift if @_; return $RepeatEach }
sub no_shuffle ()   { $NoShuffle = 1 }
sub no_long_string () { $NoLongString = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub use_hup ()      { }        # accepted, ignored: nginx restarts per block
sub no_nginx_manager () { $Test::Nginx::Lite::Server::NoManager = 1 }
sub no_root_location () { $Test::Nginx::Lite::Server::NoRootLocation = 1 }
sub config_preamble ($) { $Test::Nginx::Lite::Server::ConfigPreamble = shift }

sub workers (@) {
    return $Test::Nginx::Lite::Server::Workers unless @_;
    $Test::Nginx::Lite::Server::Workers = shift;
}

sub worker_connections (@) {
    return $Test::Nginx::Lite::Server::WorkerConnections unless @_;
    $Test::Nginx::Lite::Server::WorkerConnections = shift;
}

sub log_level (@) {
    return $Test::Nginx::Lite::Server::LogLevel unless @_;
    $Test::Nginx::Lite::Server::LogLevel = shift;
}

sub master_on ()  { $Test::Nginx::Lite::Server::MasterProcess = 'on' }
sub master_off () { $Test::Nginx::Lite::Server::MasterProcess = 'off' }

sub master_process_enabled (@) {
    return $Test::Nginx::Lite::Server::MasterProcess unless @_;
    $Test::Nginx::Lite::Server::MasterProcess = shift() ? 'on' : 'off';
}

sub server_name (@) {
    return $Test::Nginx::Lite::Server::ServerName unless @_;
    $Test::Nginx::Lite::Server::ServerName = shift;
}

sub server_addr (@) {
    return $Test::Nginx::Lite::Server::ServerAddr unless @_;
    $Test::Nginx::Lite::Server::ServerAddr = shift;
}

sub server_port (@) {
    return $Test::Nginx::Lite::Server::ServerPort unless @_;
    $Test::Nginx::Lite::Server::ServerPort = shift;
}

sub server_port_for_client (@) {
    return $Test::Nginx::Lite::Server::ClientPort unless @_;
    $Test::Nginx::Lite::Server::ClientPort = shift;
}

sub timeout (@) {
    return $Test::Nginx::Lite::Server::Timeout unless @_;
    $Test::Nginx::Lite::Server::Timeout = shift;
}

sub server_root () { $Test::Nginx::Lite::Server::ServRoot }
sub html_dir ()    { $Test::Nginx::Lite::Server::HtmlDir }

sub env_to_nginx (@) {
    Carp::croak("env_to_nginx: no arguments specified") unless @_;
    for my $v (@_) {
        Carp::croak("env_to_nginx: bad argument value: $v")
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @Test::Nginx::Lite::Server::EnvToNginx, $v;
    }
}

# Runs for every block (after Test::Base filters, before nginx starts).
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }

# Called after each response's built-in checks as
#   $check->($block, $body, $req_idx, $repeated_req_idx, $dry_run)
sub add_response_body_check ($) { push @ResponseBodyChecks, shift }

sub add_cleanup_handler ($)      { unshift @CleanupHandlers, shift }
sub add_test_cleanup_handler ($) { unshift @TestCleanupHandlers, shift }

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

# Compare strings; a Regexp as expected value means "like".
sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    return Test::More::like($got, $expected, $desc)
        if ref $expected && ref $expected eq 'Regexp';
    return Test::More::is($got, $expected, $desc) if $NoLongString;
    return Test::LongString::is_string($got, $expected, $desc);
}

# --------------------------------------------------------------------------
# The run loop
# --------------------------------------------------------------------------

sub run_tests () {
    my $srv = 'Test::Nginx::Lite::Server';
    srand($$ ^ int(Time::HiRes::time() * 1000));
    $srv->init;

    $ENV{TEST_NGINX_SERVER_PORT} = $Test::Nginx::Lite::Server::ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value(name => "$0 " . $block->name);
        run_test($block);
        $_->($block) for @TestCleanupHandlers;
        $PrevBlock = $block;
    }

    cleanup();
}

sub cleanup () {
    $_->() for @CleanupHandlers;
}

# Parse "N: <op> x.y.z [: reason]" of --- skip_nginx.
sub _skip_nginx ($$) {
    my ($name, $spec) = @_;
    $spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*))?\s*$}
        or bail_out("$name - Invalid --- skip_nginx spec: $spec");
    my ($n, $op, $reason) = ($1, $2, $6);
    my $want = sprintf "%d.%03d%03d", $3, $4, $5;
    my $have = Test::Nginx::Lite::Server::nginx_version();
    my $skip = eval "$have $op $want";
    return ($n, $skip, $reason || "nginx version $op $3.$4.$5");
}

sub run_test ($) {
    my $block = shift;
    my $srv = 'Test::Nginx::Lite::Server';
    my $name = $block->name;

    return if defined $block->SKIP;

    my ($to_skip, $should_skip, $reason);
    if (defined(my $s = $block->skip_nginx)) {
        ($to_skip, $should_skip, $reason) = _skip_nginx($name, $s);
    }
    if (defined(my $s = $block->skip_eval)) {
        $s =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- skip_eval spec: $s");
        $to_skip = $1;
        $reason = 'skip_eval';
        $should_skip = eval "package main; $2";
        bail_out("$name - skip_eval - failed to eval \"$2\": $@") if $@;
    }

    my $dry_run = 0;

    if (!$should_skip && !$Test::Nginx::Lite::Server::NoManager) {
        # Like the real runner: a fresh nginx for every block.
        $srv->stop($name);
        check_prev_block_shutdown_error_log();
        $srv->setup_server_root;
        if (defined $block->post_setup_server_root) {
            eval $block->post_setup_server_root;
            bail_out("$name - post_setup_server_root failed: $@") if $@;
        }
        $srv->write_user_files($block);
        $srv->write_config($block);

        if (defined(my $must_die = $block->must_die)) {
            $ErrLogFilePos = 0;
            for my $i (0 .. $RepeatEach - 1) {
                my $status = $srv->start_and_wait_exit($name);
                if (Scalar::Util::looks_like_number($must_die)) {
                    Test::More::is($must_die, $status >> 8,
                                   "$name - die with the expected exit code");
                } else {
                    Test::More::isnt($status, 0, "$name - die as expected");
                }
                check_error_log($block, undef, $dry_run, $i, 0);
                $srv->stop($name) if $status == 0;
            }
            return;
        }

        if (!$srv->start($block)) {
            Test::More::fail("$name - nginx failed to start:\n"
                             . $srv->error_log_tail(20));
            return;
        }
    }

    if (defined $block->init) {
        eval "package main; " . $block->init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (1 .. $RepeatEach) {
        $srv->write_user_files($block) if $i > 1 && !$should_skip;

        if ($should_skip && defined $to_skip) {
          SKIP: {
                Test::More::skip("$name - $reason", $to_skip);
            }
            next;
        }
        run_test_helper($block, $dry_run, $i - 1);
    }

    # Under valgrind, nginx is stopped after each block so that its report
    # (leaks are only known at exit) belongs to this block.
    if ($Test::Nginx::Lite::Server::UseValgrind && !$should_skip) {
        $srv->stop($name);
        check_prev_block_shutdown_error_log($block);
        $srv->check_valgrind($name);
    }
}

# --------------------------------------------------------------------------
# One run of a block's requests and checks
# --------------------------------------------------------------------------

sub run_test_helper ($$$) {
    my ($block, $dry_run, $repeated_req_idx) = @_;
    my $name = $block->name;
    my $http = 'Test::Nginx::Lite::HTTP';

    my $reqs = $http->requests_from_block($block);
    bail_out("$name - request empty") unless @$reqs;

    my $timeout = Test::Nginx::Lite::Server::parse_time($block->timeout);
    $timeout = $Test::Nginx::Lite::Server::Timeout unless defined $timeout;

    my ($res, $need_array, $n);
    my $req_idx = 0;

    for my $one (@$reqs) {
        my ($raw, $head_req) = $http->send_request($block, $one, $timeout);

        if ($block->pipelined_requests) {
            $n = @{ $block->pipelined_requests };
            $need_array = 1;
        } else {
            $need_array = @$reqs > 1;
        }

      AGAIN: {
            $raw = '' unless defined $raw;
            my ($raw_headers, $left);
            if (!defined $block->ignore_response) {
                ($res, $raw_headers, $left) =
                    $http->parse_response($name, $raw, $head_req);
            }

            if (!$n) {
                if (defined $left && length $left) {
                    (my $l = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                    warn "WARNING: $name - unexpected extra bytes after last "
                       . "chunk in response: \"$l\"\n";
                }
            } else {
                $raw = $left;
                $n--;
            }

            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $dry_run, $req_idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $dry_run,
                                           $req_idx, $need_array);
                check_response_headers($block, $res, $raw_headers, $dry_run,
                                       $req_idx, $need_array);
                transform_response_body($block, $res, $req_idx);
                check_response_body($block, $res, $dry_run, $req_idx,
                                    $repeated_req_idx, $need_array);
            }

            if ($n || $req_idx < @$reqs - 1) {
                sleep $block->wait if $block->wait;
                check_error_log($block, $res, $dry_run, $repeated_req_idx,
                                $need_array);
            }

            $req_idx++;
            redo AGAIN if $n;
        }
    }

    sleep $block->wait if $block->wait;
    check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
}

# Pick the i-th expected value when the block sends several requests.
sub get_indexed_value ($$$$) {
    my ($name, $value, $req_idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$req_idx] if ref $value && ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected results "
                 . "should be arrays as well.");
    }
    return $value->[0] if ref $value && ref $value eq 'ARRAY';
    return $value;
}

sub check_error_code ($$$$$) {
    my ($block, $res, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';
  SKIP: {
        Test::More::skip("$name - tests skipped due to $dry_run", 1) if $dry_run;
        if (defined $block->error_code_like) {
            my $v = get_indexed_value($name, $block->error_code_like,
                                      $req_idx, $need_array);
            Test::More::like($code, qr/$v/sm, "$name - status code ok");
        } elsif (defined $block->error_code) {
            Test::More::is($code, get_indexed_value($name, $block->error_code,
                                                    $req_idx, $need_array),
                           "$name - status code ok");
        } else {
            Test::More::is($code, 200, "$name - status code ok");
        }
    }
}

sub check_raw_response_headers ($$$$$) {
    my ($block, $raw_headers, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    for my $kind (qw(like unlike)) {
        my $sec = "raw_response_headers_$kind";
        next unless defined $block->$sec;
      SKIP: {
            Test::More::skip("$name - $sec - tests skipped due to $dry_run", 1)
                if $dry_run;
            my $pat = get_indexed_value($name, $block->$sec, $req_idx,
                                        $need_array);
            if ($kind eq 'like') {
                Test::More::like($raw_headers, qr/$pat/s,
                                 "$name - raw resp headers like");
            } else {
                Test::More::unlike($raw_headers, qr/$pat/s,
                                   "$name - raw resp headers unlike");
            }
        }
    }
}

# "Name: value" per line; "!Name" means the header must be absent.
sub parse_headers ($) {
    my $s = shift;
    my %h;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            $h{$line} = undef;
        } else {
            my ($k, $v) = split /\s*:\s*/, $line, 2;
            $h{$k} = $v;
        }
    }
    return \%h;
}

sub check_response_headers ($$$$$$) {
    my ($block, $res, $raw_headers, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $port = $Test::Nginx::Lite::Server::ServerPort;
    my $cport = $Test::Nginx::Lite::Server::ClientPort;

    if (defined $block->response_headers) {
        my $h = parse_headers(get_indexed_value($name, $block->response_headers,
                                                $req_idx, $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key};
          SKIP: {
                Test::More::skip("$name - response_headers - tests skipped "
                                 . "due to $dry_run", 1) if $dry_run;
                if (!defined $val) {
                    Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                        "$name - header $key not present in the raw headers");
                } else {
                    $val =~ s/\$ServerPort\b/$port/g;
                    $val =~ s/\$ServerPortForClient\b/$cport/g;
                    my $got = $res ? $res->header($key) : undef;
                    $got = '' unless defined $got;
                    Test::More::is($got, $val, "$name - header $key ok");
                }
            }
        }
    } elsif (defined $block->response_headers_like) {
        my $h = parse_headers(get_indexed_value($name,
                                $block->response_headers_like, $req_idx,
                                $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key};
            $val = '' unless defined $val;
            my $got = $res ? $res->header($key) : undef;
            $got = '' unless defined $got;
          SKIP: {
                Test::More::skip("$name - response_headers_like - tests "
                                 . "skipped due to $dry_run", 1) if $dry_run;
                Test::More::like($got, qr/^$val$/, "$name - header $key like ok");
            }
        }
    }
}

# --- response_body_filters: md5_hex sha1_hex uc lc ucfirst lcfirst length,
# or code references (eval), applied before the body checks.
sub transform_response_body ($$$) {
    my ($block, $res, $req_idx) = @_;
    return unless defined $res && defined $res->content;
    my $filters = $block->response_body_filters;
    return unless defined $filters;
    my $name = $block->name;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//gs;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }
    $filters = $filters->[$req_idx] if ref $filters->[0] eq 'ARRAY';
    $filters = [$filters] unless ref $filters eq 'ARRAY';

    my %named = (
        md5_hex  => \&Digest::MD5::md5_hex,
        sha1_hex => \&Digest::SHA::sha1_hex,
        uc => sub { uc $_[0] }, lc => sub { lc $_[0] },
        ucfirst => sub { ucfirst $_[0] }, lcfirst => sub { lcfirst $_[0] },
        length => sub { length $_[0] },
    );
    my $body = $res->content;
    for my $f (@$filters) {
        my $code = ref $f eq 'CODE' ? $f : $named{$f}
            or bail_out("$name - unknown filter, \"$f\", specified in the "
                        . "--- response_body_filters section");
        $body = $code->($body);
    }
    $res->content($body);
}

sub check_response_body ($$$$$$) {
    my ($block, $res, $dry_run, $req_idx, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $port = $Test::Nginx::Lite::Server::ServerPort;
    my $cport = $Test::Nginx::Lite::Server::ClientPort;
    my $content = $res ? $res->content : undef;

    if (defined $block->response_body || defined $block->response_body_eval) {
        my $expected;
        if ($block->response_body_eval) {
            $expected = eval get_indexed_value($name, $block->response_body_eval,
                                               $req_idx, $need_array);
            warn $@ if $@;
        } else {
            $expected = get_indexed_value($name, $block->response_body,
                                          $req_idx, $need_array);
        }

        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$port/g;
            $expected =~ s/\$ServerPortForClient\b/$cport/g;
            $expected = Test::Nginx::Lite::Server::expand_env_in_text(
                            $expected, $name);
        }

        my $desc = "$name - response_body - response is expected "
                 . "(repeated req $repeated_req_idx, req $req_idx)";
      SKIP: {
            Test::More::skip("$name - response_body - tests skipped due to "
                             . "$dry_run", 1) if $dry_run;
            if (ref $expected) {
                Test::More::like($content, $expected,
                    "$name - response_body - like (repeated req "
                    . "$repeated_req_idx, req $req_idx)");
            } elsif ($NoLongString) {
                Test::More::is($content, $expected, $desc);
            } else {
                Test::LongString::is_string($content, $expected, $desc);
            }
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $sec = "response_body_$type";
        my $pat = get_indexed_value($name, $block->$sec, $req_idx, $need_array);
        $pat =~ s/\$ServerPort\b/$port/g;
        $pat =~ s/\$ServerPortForClient\b/$cport/g;
        my $summary = defined $content ? $content : '';
        $summary =~ s/^\s+|\s+$//g;
        $summary =~ s/\s+/ /g;
      SKIP: {
            Test::More::skip("$name - $sec - tests skipped due to $dry_run", 1)
                if $dry_run;
            my $desc = "$name - $sec - response is expected ($summary)";
            if ($type eq 'like') {
                Test::More::like($content, qr/$pat/s, $desc);
            } else {
                Test::More::unlike($content, qr/$pat/s, $desc);
            }
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $req_idx, $repeated_req_idx, $dry_run);
    }
}

# --------------------------------------------------------------------------
# error.log checks
# --------------------------------------------------------------------------

# New lines of error.log since the last read (all of it with
# check_accum_error_log).
sub error_log_data () {
    # leave time for log-phase messages written after the response
    sleep 0.045;
    open my $in, '<', $Test::Nginx::Lite::Server::ErrLogFile or return [];
    seek $in, $ErrLogFilePos, 0 if !$CheckAccumErrLog && $ErrLogFilePos > 0;
    my @lines = <$in>;
    $ErrLogFilePos = tell $in unless $CheckAccumErrLog;
    close $in;
    return \@lines;
}

# Patterns of an error_log-like section: lines of text, a qr//, or an
# array of either.
sub _patterns ($) {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return [split /\n+/, $pats];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats];
}

sub _matches ($$) {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ /$pat/ : index($line, $pat) >= 0;
}

sub fmt_str ($) {
    my $s = shift;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

sub _value_contains {
    my ($val, $needle) = @_;
    return 0 unless defined $val;
    return index("$val", $needle) >= 0 if !ref $val || ref $val eq 'Regexp';
    return scalar grep { _value_contains($_, $needle) } @$val;
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $lines;
    my %warn_level = (alert => 1, crit => 1, emerg => 1);

    if (defined(my $gpat = $block->grep_error_log)) {
        $gpat = $gpat->[$repeated_req_idx] if ref $gpat eq 'ARRAY';
        my $expected = $block->grep_error_log_out;
        bail_out("$name - No --- grep_error_log_out defined but "
                 . "--- grep_error_log is defined") unless defined $expected;
        $expected = $expected->[$repeated_req_idx] if ref $expected eq 'ARRAY';
        $expected = Test::Nginx::Lite::Server::expand_env_in_text($expected, $name)
            unless ref $expected;
      SKIP: {
            Test::More::skip("$name - error_log - tests skipped due to "
                             . "$dry_run", 1) if $dry_run;
            $lines ||= error_log_data();
            my $got = '';
            for my $line (@$lines) {
                if (ref $gpat ? $line =~ /$gpat/ : $line =~ /\Q$gpat\E/) {
                    $got .= "$&\n" if $& !~ /\n/;
                }
            }
            is_str($got, $expected,
                   "$name - grep_error_log_out (req $repeated_req_idx)");
        }
    }

    if (defined $block->error_log) {
        my $pats = _patterns($block->error_log);
        for my $lv (keys %warn_level) {
            delete $warn_level{$lv} if _value_contains($pats, "[$lv");
        }
        $lines ||= error_log_data();
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat && _matches($line, $pat);
              SKIP: {
                    Test::More::skip("$name - error_log - tests skipped due "
                                     . "to $dry_run", 1) if $dry_run;
                    Test::More::pass("$name - pattern \"$pat\" matches a line "
                                     . "in error.log (req $repeated_req_idx)");
                }
                undef $pat;
            }
        }
        for my $pat (grep { defined } @$pats) {
          SKIP: {
                Test::More::skip("$name - error_log - tests skipped due to "
                                 . "$dry_run", 1) if $dry_run;
                Test::More::fail("$name - pattern \"$pat\" should match a line "
                                 . "in error.log (req $repeated_req_idx)");
            }
        }
    }

    if (defined $block->no_error_log) {
        my $pats = _patterns($block->no_error_log);
        for my $lv (keys %warn_level) {
            delete $warn_level{$lv} if _value_contains($pats, "[$lv");
        }
        $lines ||= error_log_data();
        my %found;
        for my $i (0 .. $#$lines) {
            my $line = $lines->[$i];
            for my $pat (@$pats) {
                next unless defined $pat && _matches($line, $pat);
                $found{$pat} = 1;
              SKIP: {
                    Test::More::skip("$name - no_error_log - tests skipped "
                                     . "due to $dry_run ($line)", 1) if $dry_run;
                    my $end = $i + 9 < $#$lines ? $i + 9 : $#$lines - 1;
                    Test::More::fail("$name - pattern \"" . fmt_str($pat)
                        . "\" should not match any line in error.log but "
                        . "matches line \"" . fmt_str($line)
                        . "\" (req $repeated_req_idx)\n"
                        . join '', @$lines[$i + 1 .. $end]);
                }
            }
        }
        for my $pat (@$pats) {
            next if !defined $pat || $found{$pat};
          SKIP: {
                Test::More::skip("$name - no_error_log - tests skipped due "
                                 . "to $dry_run", 1) if $dry_run;
                Test::More::pass("$name - pattern \"" . fmt_str($pat)
                    . "\" does not match a line in error.log "
                    . "(req $repeated_req_idx)");
            }
        }
    }

    # Like the real runner: unexpected alert/crit/emerg lines are warnings,
    # failed assertions are failures.
    if (!$dry_run && %warn_level) {
        $lines ||= error_log_data();
        for my $line (@$lines) {
            for my $lv (keys %warn_level) {
                warn "WARNING: $name - " . fmt_str($line) . "\n"
                    if $line =~ /\[$lv\]/;
            }
        }
    }
    for my $line (@{ $lines || [] }) {
        if ($line =~ /\bAssertion .*?failed\b/) {
            chomp(my $l = $line);
            Test::More::fail("$name - $l\n");
        }
    }
}

# --- shutdown_error_log / --- no_shutdown_error_log of the previous block:
# checked once its nginx has stopped (when the next block starts, or at the
# end of the file).
sub check_prev_block_shutdown_error_log (;$) {
    my $block = shift || $PrevBlock;
    return unless defined $block;
    return if $block->{_lite_shutdown_checked}++;
    return unless defined $block->shutdown_error_log
               || defined $block->no_shutdown_error_log;
    my $name = $block->name;
    my $dry = $ENV{TEST_NGINX_NO_CLEAN} ? 'TEST_NGINX_NO_CLEAN' : '';
    my $lines = error_log_data();

    if (defined $block->shutdown_error_log) {
        my $pats = _patterns($block->shutdown_error_log);
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat && _matches($line, $pat);
              SKIP: {
                    Test::More::skip("$name - shutdown_error_log - tests "
                                     . "skipped due to dry_run", 1) if $dry;
                    Test::More::pass("$name - pattern \"$pat\" matches a line "
                                     . "in error.log");
                }
                undef $pat;
            }
        }
        for my $pat (grep { defined } @$pats) {
          SKIP: {
                Test::More::skip("$name - shutdown_error_log - tests skipped "
                                 . "due to dry_run", 1) if $dry;
                Test::More::fail("$name - pattern \"$pat\" should match a "
                                 . "line in error.log");
            }
        }
    }

    if (defined $block->no_shutdown_error_log) {
        my $pats = _patterns($block->no_shutdown_error_log);
        my %found;
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat && _matches($line, $pat);
                $found{$pat} = 1;
              SKIP: {
                    Test::More::skip("$name - no_shutdown_error_log - tests "
                                     . "skipped due to $dry", 1) if $dry;
                    Test::More::fail("$name - pattern \"" . fmt_str($pat)
                        . "\" should not match any line in error.log but "
                        . "matches line \"" . fmt_str($line) . "\"");
                }
            }
        }
        for my $pat (@$pats) {
            next if !defined $pat || $found{$pat};
          SKIP: {
                Test::More::skip("$name - no_shutdown_error_log - tests "
                                 . "skipped due to $dry", 1) if $dry;
                Test::More::pass("$name - pattern \"" . fmt_str($pat)
                    . "\" does not match a line in error.log");
            }
        }
    }
}

END {
    # Only the process that ran the tests stops nginx (not forked children).
    if (defined $Test::Nginx::Lite::Server::OwnerPid
        && $$ == $Test::Nginx::Lite::Server::OwnerPid)
    {
        local $?;
        cleanup();
        if ($Test::Nginx::Lite::Server::UseValgrind
            || !$ENV{TEST_NGINX_NO_CLEAN})
        {
            Test::Nginx::Lite::Server->stop('END');
            check_prev_block_shutdown_error_log();
        }
    }
}

1;
