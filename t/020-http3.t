# HTTP/3 (QUIC), where the nginx under test has it (1.25 and later, built
# by make test-versions with --with-http_v3_module; Debian's 1.22 has not,
# and the file is skipped there): the page gets the snippet with an exact
# Content-Length, a beacon reaches the stream.  The client is ngtcp2's
# example client (Debian's ngtcp2-client), the only HTTP/3 client here:
# Debian's curl has no HTTP/3 and the browser tests run Chromium with QUIC
# off.

use lib '.';
use t::RUM;
use File::Temp ();
use IO::Socket::INET;

our $Dir = File::Temp::tempdir('rum-h3-XXXXXX', TMPDIR => 1, CLEANUP => 1);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $v3 = `$nginx -V 2>&1` =~ /--with-http_v3_module/;
my $client = `command -v gtlsclient 2>/dev/null`;
my $ssl = $v3 && $client
          && system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                    . "-subj /CN=localhost -keyout $Dir/key.pem "
                    . "-out $Dir/cert.pem >/dev/null 2>&1") == 0;

if (!$v3) {
    plan skip_all => "$nginx has no HTTP/3 (--with-http_v3_module)";
} elsif (!$client) {
    plan skip_all => 'no HTTP/3 client (apt-get install ngtcp2-client)';
} elsif (!$ssl) {
    plan skip_all => 'no openssl to make a certificate';
}

$ENV{TEST_NGINX_CERT_DIR} = $Dir;

# a UDP and TCP port of its own, away from Redis's range (16379 and up)
for my $try (1 .. 100) {
    my $port = 20000 + int rand 20000;
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port",
                                  Proto => 'udp') or next;
    close $s;
    $ENV{TEST_NGINX_H3_PORT} = $port;
    last;
}

repeat_each(1);
plan tests => 9;

no_shuffle();
no_long_string();

# one request over HTTP/3: (status, headers as a hash, body)
sub h3 {
    my ($path, @opts) = @_;
    my $dl = File::Temp::tempdir(DIR => $Dir);
    my $port = $ENV{TEST_NGINX_H3_PORT};
    my @cmd = ('timeout', '20', 'gtlsclient', '--no-quic-dump',
               '--exit-on-all-streams-close', "--download=$dl", @opts,
               '127.0.0.1', $port, "https://localhost:$port$path");
    my $out = qx{@{[ join ' ', map { quotemeta } @cmd ]} 2>&1};
    my %h;
    for ($out =~ /^http: stream 0x0 \[([^\]]+)\]$/mg) {
        $h{lc $1} = $2 if /^(:?[^:]+): (.*)$/;
    }
    my ($file) = glob "$dl/*";
    my $body = '';
    if ($file && open my $fh, '<:raw', $file) {
        $body = do { local $/; <$fh> } // '';
    }
    return ($h{':status'}, \%h, $body);
}

run_tests();

__DATA__

=== TEST 1: a page and a beacon over HTTP/3
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    server {
        listen 127.0.0.1:$TEST_NGINX_H3_PORT quic;
        listen 127.0.0.1:$TEST_NGINX_H3_PORT ssl;
        server_name localhost;
        ssl_certificate $TEST_NGINX_CERT_DIR/cert.pem;
        ssl_certificate_key $TEST_NGINX_CERT_DIR/key.pem;
        root html;

        location / {
            rum on;
            rum_config profilingSampleRate 100;
        }
        location = /rum {
            rum_endpoint;
        }
    }
--- config
    location = /t {
        return 204;
    }
--- user_files
>>> index.html
<html><head><title>h3</title></head><body>hi</body></html>
--- redis_before
FLUSHALL
--- request
GET /t
--- error_code: 204
--- stream_check
my ($st, $h, $body) = main::h3('/index.html');
main::is($st, 200, 'status 200 over HTTP/3');
main::like($body, qr{<script>.*"CRUM"\)</script></head><body>hi}, 'the snippet before </head>');
main::is($h->{'content-length'}, length $body, 'an exact Content-Length');
main::is($h->{'document-policy'}, 'js-profiling', 'Document-Policy');
open my $fh, '>', "$main::Dir/beacon.json" or die;
print $fh '{"id":"h3-1"}';
close $fh;
($st) = main::h3('/rum', '-m', 'POST', '-d', "$main::Dir/beacon.json");
main::is($st, 204, 'a beacon over HTTP/3');
main::ok(t::RUM::wait_until(sub { (t::RUM::redis('XLEN', 'rum:beacons') // 0) >= 1 }, 5),
         'in the stream');
main::is((t::RUM::stream_entries('rum:beacons'))[0]{id}, 'h3-1', 'that beacon');
--- no_error_log
[error]
