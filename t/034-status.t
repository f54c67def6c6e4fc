# rum_status: the counters of README's "Status" table, as JSON and in the
# Prometheus text format, and how each one moves.  Counters live in shared
# memory and start at 0 with each block's nginx, so each block posts its
# beacons and then reads the status in the same block.

use lib '.';
use t::RUM;
use JSON::PP ();
use IO::Socket::INET ();
use Time::HiRes ();

repeat_each(1);
plan tests => repeat_each() * 160;

no_shuffle();
no_long_string();

$ENV{TEST_NGINX_SERVER_PORT} ||= 1984;

# --- status_check: Perl code run with the decoded JSON of the block's
# last response in $_[0] (it makes its own tests)
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    my $code = $block->status_check;
    return unless defined $code;
    my $r = $block->request;
    my $n = ref $r eq 'ARRAY' ? @$r : 1;
    return unless $req_idx == $n - 1;
    return if $dry_run;
    my $json = eval { JSON::PP::decode_json($body) };
    Test::More::ok($json, $block->name . " - the status is JSON")
        or Test::More::diag("$@: $body");
    my $sub = eval "package main; sub { $code }"
        or return Test::More::fail($block->name . " - status_check: $@");
    eval { $sub->($json || {}); 1 }
        or Test::More::fail($block->name . " - status_check died: $@");
});

# GET the status from Perl (e.g. after the stream was checked)
sub status {
    my ($query, $accept) = @_;
    my $s = IO::Socket::INET->new(
        PeerAddr => "127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}") or return undef;
    print $s "GET /status" . ($query // '') . " HTTP/1.0\r\nHost: localhost\r\n"
             . ($accept ? "Accept: $accept\r\n" : '') . "\r\n";
    my $res = do { local $/; <$s> };
    $res =~ s/\A.*?\r\n\r\n//s;
    return $res;
}

sub status_json { JSON::PP::decode_json(status()) }

# polls the JSON status until $cond->($json) holds (or 10 s passed)
sub status_until {
    my $cond = shift;
    my $j;
    for (1 .. 200) {
        $j = eval { status_json() };
        return $j if $j && $cond->($j);
        Time::HiRes::sleep(0.05);
    }
    return $j;
}

sub post { "POST /rum\n" . shift }

sub chunked {
    my $body = shift;
    return CORE::join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                          unpack('(a1000)*', $body)) . "0\r\n\r\n";
}

# the families of README's Status table
our @PROM = qw(
    rum_beacons_accepted_total rum_beacons_rejected_total rum_preflights_total
    rum_queue_entries rum_queue_bytes rum_redis_written_total
    rum_redis_acknowledged_total rum_redis_resent_total rum_dropped_total
    rum_redis_connects_total rum_redis_connect_failures_total
    rum_redis_disconnects_total rum_redis_connected rum_pages_injected_total
    rum_pages_profiled_total rum_pages_skipped_total rum_scripts_served_total
    rum_scripts_not_modified_total rum_spool_entries_total
    rum_spool_corrupt_files_total rum_redis_cluster_maps_total
    rum_redis_cluster_redirects_total
);

our @REASONS = qw(method origin too_large encoding invalid not_object
                  too_deep too_long utf8 field queue_full error);
our @SKIPS = qw(off status type subrequest no_transform compressed already
                no_head head range privacy error);

# checks the Prometheus text: well formed, every family of README there
sub check_prometheus {
    my ($text, $name) = @_;
    my (%type, %seen, @bad, %samples);
    my $last = '';
    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP (rum_\w+) \S/) { next }
        if ($line =~ /^# TYPE (rum_\w+) (counter|gauge)$/) { $type{$1} = $2; $last = $1; next }
        if ($line =~ /^(rum_\w+)(\{\w+="[^"\\]*"(?:,\w+="[^"\\]*")*\})? (\d+)$/) {
            push @bad, "$line (not after its TYPE)" if $1 ne $last;
            push @bad, "$line (repeated)" if $samples{$1 . ($2 // '')}++;
            $seen{$1} = 1;
            next;
        }
        push @bad, $line;
    }
    Test::More::is(join("\n", @bad), '', "$name - well-formed Prometheus text");
    Test::More::is(join(' ', grep { !$seen{$_} || !$type{$_} } @PROM), '',
                   "$name - every family of README");
    for my $f (keys %type) {
        push @bad, "$f: a counter must end in _total"
            if $type{$f} eq 'counter' && $f !~ /_total$/;
    }
    Test::More::is(join("\n", @bad), '', "$name - counter names end in _total");
}

run_tests();

__DATA__

=== TEST 1: JSON: every counter of README, all 0 at start, not cached
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /status {
        rum_status;
    }
--- request
GET /status
--- error_code: 200
--- response_headers
Content-Type: application/json
Cache-Control: no-store
--- status_check
my ($j) = @_;
main::is_deeply([sort keys %$j], [qw(beacons pages queue redis scripts)], 'sections');
main::is_deeply([sort keys %{$j->{beacons}}], [qw(accepted preflights rejected)], 'beacons');
main::is_deeply([sort keys %{$j->{beacons}{rejected}}], [sort @main::REASONS], 'every reason of README');
main::is_deeply([sort keys %{$j->{queue}}], [qw(bytes entries)], 'queue');
main::is_deeply([sort keys %{$j->{redis}}],
    [sort qw(written acknowledged resent dropped spool cluster connects connect_failures disconnects workers workers_connected servers)], 'redis');
main::is_deeply([sort keys %{$j->{redis}{cluster}}], [qw(asked maps moved)], 'cluster');
main::is_deeply([sort keys %{$j->{redis}{dropped}}], [qw(exit redis_error)], 'dropped');
main::is_deeply([sort keys %{$j->{redis}{spool}}], [qw(corrupt replayed written)], 'spool');
main::is_deeply([sort keys %{$j->{pages}}], [qw(injected profiled skipped)], 'pages');
main::is_deeply([sort keys %{$j->{pages}{skipped}}], [sort @main::SKIPS], 'every skip reason of README');
main::is_deeply([sort keys %{$j->{scripts}}], [qw(not_modified served)], 'scripts');
main::is($j->{beacons}{accepted} + $j->{beacons}{preflights}, 0, 'nothing yet');
main::is(scalar @{$j->{redis}{workers}}, 1, 'one worker');
--- no_error_log
[error]
[alert]



=== TEST 2: one good and one bad beacon: accepted 1, rejected.invalid 1; then written, acknowledged, queue empty
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
[ main::post('{"id":"good-1"}'), main::post('{"id":'), "GET /status" ]
--- error_code eval
[204, 400, 200]
--- status_check
my ($j) = @_;
main::is($j->{beacons}{accepted}, 1, 'accepted');
main::is($j->{beacons}{rejected}{invalid}, 1, 'rejected.invalid');
my $sum = 0; $sum += $_ for values %{$j->{beacons}{rejected}};
main::is($sum, 1, 'no other reason');
--- stream_len: 1
--- stream_check
my $j = main::status_until(sub { $_[0]{redis}{acknowledged} == 1 });
main::is($j->{redis}{written}, 1, 'written');
main::is($j->{redis}{acknowledged}, 1, 'acknowledged');
main::is($j->{queue}{entries}, 0, 'queue empty');
main::is($j->{queue}{bytes}, 0, 'queue bytes 0');
main::is($j->{redis}{resent} + $j->{redis}{dropped}{redis_error} + $j->{redis}{dropped}{exit}, 0, 'nothing re-sent or dropped');
main::is($j->{redis}{workers_connected}, 1, 'the worker is connected');
main::is_deeply($j->{redis}{workers}, [1], 'per worker');
main::cmp_ok($j->{redis}{connects}, '>=', 1, 'connects');
--- no_error_log
[error]
[alert]



=== TEST 3: Prometheus with ?format=prometheus: well formed, the same counts
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
[ main::post('{"id":"p-1"}'), main::post('[1]'), "OPTIONS /rum", "GET /rum",
  "GET /status?format=prometheus" ]
--- error_code eval
[204, 400, 204, 200, 200]
--- response_headers eval
[ '', '', '', '', "Content-Type: text/plain; version=0.0.4; charset=utf-8\nCache-Control: no-store" ]
--- response_body_like eval
[ '', '', '', '',
  qr/^rum_beacons_accepted_total 1\n(?s:.*)^rum_beacons_rejected_total\{reason="invalid"\} 0\n^rum_beacons_rejected_total\{reason="not_object"\} 1\n(?s:.*)^rum_preflights_total 1\n(?s:.*)^rum_redis_connected\{worker="0"\} [01]\n(?s:.*)^rum_scripts_served_total 1\n^# HELP rum_scripts_not_modified_total .*\n^# TYPE rum_scripts_not_modified_total counter\n^rum_scripts_not_modified_total 0\n\z/m ]
--- stream_len: 1
--- stream_check
main::check_prometheus(main::status('?format=prometheus'), 'format=prometheus');
main::check_prometheus(main::status('', 'text/plain'), 'Accept: text/plain');
main::like(main::status('', 'text/plain;q=0.9, */*;q=0.1'), qr/^rum_beacons_accepted_total 1$/m, 'Accept with parameters');
--- no_error_log
[error]



=== TEST 4: Accept: text/plain is Prometheus; JSON otherwise; ?format= wins over Accept
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /status {
        rum_status;
    }
--- request eval
[ "GET /status", "GET /status", "GET /status?format=json", "GET /status?format=other", "GET /status" ]
--- more_headers eval
[ "Accept: text/plain", "Accept: application/json", "Accept: text/plain", "", "Accept: */*" ]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_headers eval
[ "Content-Type: text/plain; version=0.0.4; charset=utf-8",
  "Content-Type: application/json",
  "Content-Type: application/json",
  "Content-Type: application/json",
  "Content-Type: application/json" ]
--- response_body_like eval
[ qr/^# HELP rum_beacons_accepted_total /, qr/^\{"beacons":\{/, qr/^\{"beacons":\{/,
  qr/^\{"beacons":\{/, qr/^\{"beacons":\{/ ]



=== TEST 5: HEAD: headers only; POST and others: 405
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /status {
        rum_status;
    }
--- request eval
[ "HEAD /status", "POST /status\nx", "DELETE /status" ]
--- error_code eval
[200, 405, 405]
--- response_headers eval
[ "Content-Type: application/json", "Allow: GET, HEAD", "Allow: GET, HEAD" ]
--- response_body_like eval
[ qr/^\z/, qr/405/, qr/405/ ]
--- no_error_log
[error]



=== TEST 6: every beacon request is accepted or counted under exactly one reason
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 4k;
        rum_cors_origins https://shop.example;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[ main::post('{"id":"s-1"}'),                       # accepted
  main::post('{"id":"s-2"}'),                       # origin
  main::post('{"id":"s-3","kind":"BAD"}'),          # field
  main::post('{"s":"' . ("\xff" x 3) . '"}'),       # utf8
  main::post('{"id":"s-5"}'),                       # encoding (br)
  main::post('{"id":"s-6"}'),                       # encoding (not gzip)
  main::post(main::chunked('{"s":"' . ('y' x 5000) . '"}')),  # too_large (chunked)
  "PUT /rum\n{}",                                   # method
  main::post('{"id":"s-9"}'),                       # accepted
  "GET /status" ]
--- more_headers eval
[ "Origin: https://shop.example",
  "Origin: https://other.example",
  "", "", "Content-Encoding: br", "Content-Encoding: gzip", "Transfer-Encoding: chunked", "", "", "" ]
--- error_code eval
[204, 403, 400, 400, 415, 400, 413, 405, 204, 200]
--- status_check
my ($j) = @_;
my $r = $j->{beacons}{rejected};
main::is($j->{beacons}{accepted}, 2, 'accepted');
main::is_deeply([ map { "$_=$r->{$_}" } grep { $r->{$_} } sort keys %$r ],
                [ qw(encoding=2 field=1 method=1 origin=1 too_large=1 utf8=1) ],
                'one reason each');
--- stream_len: 2
--- no_error_log
[alert]
[crit]



=== TEST 7: Redis unreachable: not connected, connect failures counted, accepted beacons wait in the queue
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1 connect_timeout=100ms;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- request eval
[ main::post('{"id":"w-1"}'), main::post('{"id":"w-2"}'), "GET /status" ]
--- error_code eval
[204, 204, 200]
--- wait: 0.3
--- status_check
my ($j) = @_;
main::is($j->{beacons}{accepted}, 2, 'accepted');
main::is($j->{queue}{entries}, 2, 'two entries wait');
main::cmp_ok($j->{queue}{bytes}, '>', 0, 'queue bytes');
main::is($j->{redis}{acknowledged}, 0, 'nothing acknowledged');
main::is($j->{redis}{workers_connected}, 0, 'not connected');
main::is_deeply($j->{redis}{workers}, [0], 'per worker');
main::cmp_ok($j->{redis}{connect_failures}, '>=', 1, 'connect failures');
--- no_error_log
[alert]
[crit]



=== TEST 8: two servers: each with its own counters, in JSON and Prometheus
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /rum-away {
        rum_endpoint;
        rum_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1 connect_timeout=100ms;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
[ main::post('{"id":"up-1"}'), main::post('{"id":"up-2"}'),
  "POST /rum-away\n{\"id\":\"away-1\"}" ]
--- error_code eval
[204, 204, 204]
--- stream_len: 2
--- stream_check
my $j = main::status_until(sub { $_[0]{redis}{acknowledged} == 2 });
my %s = map { $_->{name} => $_ } @{ $j->{redis}{servers} };
main::is(scalar keys %s, 2, 'two servers');
my $up = delete $s{"127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT}"};
my ($away) = values %s;
main::is("$up->{written} $up->{acknowledged} $up->{queued} $up->{workers_connected}",
         '2 2 0 1', 'the one up: written, acknowledged, none queued, connected');
main::is("$away->{written} $away->{queued} $away->{workers_connected}", '0 1 0',
         'the one away: nothing written, one queued, not connected');
main::cmp_ok($away->{connect_failures}, '>=', 1, 'its connect failures');
my $prom = main::status('?format=prometheus');
main::like($prom, qr/^rum_redis_server_acknowledged_total\{server="127\.0\.0\.1:$ENV{TEST_NGINX_REDIS_PORT}"\} 2$/m,
           'Prometheus: labelled by server');
main::like($prom, qr/^rum_redis_server_queue_entries\{server="\Q$away->{name}\E"\} 1$/m,
           'Prometheus: the queue of the one away');
--- no_error_log
[alert]
[crit]
