# HTTP/2 over TLS (a certificate made for the test): pages get the snippet
# with an exact Content-Length, also when </head> comes split over the
# upstream's buffers and when gzip compresses the result; beacons, plain and
# gzip, reach the stream.  The requests are made with curl --http2 from the
# block's checks; the block's own request (to the plain port) only starts
# them.  Chromium over HTTP/2: t/browser/http2.test.mjs.

use lib '.';
use t::RUM;
use File::Temp ();
use IO::Socket::INET;

our $Dir = File::Temp::tempdir('rum-h2-XXXXXX', TMPDIR => 1, CLEANUP => 1);

my $ssl = system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                 . "-subj /CN=localhost -keyout $Dir/key.pem "
                 . "-out $Dir/cert.pem >/dev/null 2>&1") == 0;
my $curl = `curl --version 2>/dev/null` =~ /\bHTTP2\b/;

if (!$ssl || !$curl) {
    plan skip_all => 'needs openssl and a curl with HTTP/2';
}

$ENV{TEST_NGINX_CERT_DIR} = $Dir;
# a port of its own, away from Redis's range (16379 and up)
for my $try (1 .. 100) {
    my $port = 20000 + int rand 20000;
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port",
                                  Listen => 1, ReuseAddr => 1) or next;
    close $s;
    $ENV{TEST_NGINX_H2_PORT} = $port;
    last;
}

repeat_each(1);
plan tests => 21;

no_shuffle();
no_long_string();

# one request over HTTP/2: (status, headers as a hash, body, HTTP version)
sub h2 {
    my ($path, @opts) = @_;
    my $url = "https://localhost:$ENV{TEST_NGINX_H2_PORT}$path";
    my @cmd = ('curl', '-sk', '--http2', '--resolve',
               "localhost:$ENV{TEST_NGINX_H2_PORT}:127.0.0.1",
               '-D', "$Dir/head", '-o', "$Dir/body",
               '-w', '%{http_version}', @opts, $url);
    my $version = qx{@{[ join ' ', map { quotemeta } @cmd ]}};
    open my $fh, '<', "$Dir/head" or die "no head: $!";
    my @lines = <$fh>;
    my ($status) = ($lines[0] // '') =~ m{^HTTP/\S+ (\d+)};
    my %h = map { /^([^:]+):\s*(.*?)\r?$/ ? (lc $1 => $2) : () } @lines[1 .. $#lines];
    open $fh, '<:raw', "$Dir/body" or die "no body: $!";
    my $body = do { local $/; <$fh> } // '';
    return ($status, \%h, $body, $version);
}

run_tests();

__DATA__

=== TEST 1: pages over HTTP/2: snippet, exact length, split heads, gzip; beacons
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    upstream plain {
        server 127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_H2_PORT ssl http2;
        server_name localhost;
        ssl_certificate $TEST_NGINX_CERT_DIR/cert.pem;
        ssl_certificate_key $TEST_NGINX_CERT_DIR/key.pem;
        root html;

        location / {
            rum on;
            rum_config profilingSampleRate 100;
        }
        location /split/ {
            rum on;
            proxy_pass http://plain/;
            proxy_buffer_size 1k;
            proxy_buffers 8 1k;
            proxy_busy_buffers_size 1k;
        }
        location /gz/ {
            rum on;
            gzip on;
            gzip_min_length 1;
            alias html/;
        }
        location = /rum {
            rum_endpoint;
        }
    }
--- config
    location = /t {
        return 204;
    }
--- user_files eval
[ [ 'index.html' => "<html><head><title>h2</title></head><body>hi</body></html>\n" ],
  [ 'long.html' => "<html><head><title>h2</title>\n"
                   . ("<meta name=\"x\" content=\"" . ('y' x 60) . "\">\n") x 40
                   . "</head><body>" . ('z' x 5000) . "</body></html>\n" ] ]
--- redis_before
FLUSHALL
--- request
GET /t
--- error_code: 204
--- stream_check
my ($st, $h, $body, $v) = main::h2('/index.html');
main::is($v, '2', 'HTTP/2');
main::is($st, 200, 'status 200');
main::like($body, qr{<script>.*"CRUM"\)</script></head><body>hi}, 'the snippet before </head>');
main::is($h->{'content-length'}, length $body, 'an exact Content-Length');
main::is($h->{'document-policy'}, 'js-profiling', 'Document-Policy');

($st, $h, $body, $v) = main::h2('/split/long.html');
main::is($v, '2', 'split: HTTP/2');
main::like($body, qr{content="y+">\n<script>.*</script></head><body>z}, 'split: the snippet before </head>');
main::is($h->{'content-length'}, length $body, 'split: an exact Content-Length');
main::is(length($body) - length($body =~ s{<script>.*?</script>}{}r),
         length($body) - 5000 - length("<html><head><title>h2</title>\n")
         - 40 * length("<meta name=\"x\" content=\"" . ('y' x 60) . "\">\n")
         - length("</head><body></body></html>\n"), 'split: nothing else changed');

($st, $h, $body, $v) = main::h2('/gz/long.html', '--compressed');
main::is($v, '2', 'gzip: HTTP/2');
main::is($h->{'content-encoding'}, 'gzip', 'gzip: compressed towards the client');
main::like($body, qr{</script></head><body>z}, 'gzip: the snippet inside');

($st, $h, $body, $v) = main::h2('/rum', '--data-binary', '{"id":"h2-plain"}');
main::is("$v $st", '2 204', 'a beacon over HTTP/2');
open my $gz, '|-', "gzip -c > $main::Dir/beacon.gz" or die;
print $gz '{"id":"h2-gzip","metrics":{"lcp":1234}}';
close $gz;
($st, $h, $body, $v) = main::h2('/rum', '-H', 'Content-Encoding: gzip',
                                '--data-binary', "\@$main::Dir/beacon.gz");
main::is("$v $st", '2 204', 'a gzip beacon over HTTP/2');
main::ok(t::RUM::wait_until(sub { (t::RUM::redis('XLEN', 'rum:beacons') // 0) >= 2 }, 5),
         'both in the stream');
my @ids = map { $_->{id} } t::RUM::stream_entries('rum:beacons');
main::is("@ids", 'h2-plain h2-gzip', 'in order');

($st, $h, $body, $v) = main::h2('/rum', '--compressed');
main::is("$v $st", '2 200', 'the client over HTTP/2');
main::is($h->{'content-encoding'}, 'gzip', 'gzip');
main::like($body, qr/CRUM/, 'the client');
--- no_error_log
[error]
