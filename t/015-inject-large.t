# Large pages: a 3 MB page is injected once and arrives whole, from a file
# and through proxy_pass (buffered and not), and a 3 MB page without
# </head> or <body> passes through untouched.

use lib '.';
use t::RUM;
use Digest::MD5 qw(md5_hex);

repeat_each(1);
plan tests => repeat_each() * (blocks() * 2);

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
        }
_EOC_

our $Body = join '', map { "<p class=\"row\">line $_ of a long page &lt;x&gt;</p>\n" }
                     1 .. 60000;
our $Page = "<html><head><title>big</title></head><body>\n$Body</body></html>\n";
our $Fragment = $Body x 1;

sub check_page {
    my $got = shift;
    my $n = () = $got =~ /"CRUM"\)<\/script>/g;
    (my $stripped = $got) =~ s{<script>\(function[^<]*</script>}{};
    return "snippets=$n length=" . length($got) . " same="
           . ($stripped eq $Page ? 1 : 0);
}

run_tests();

__DATA__

=== TEST 1: 3 MB from a file
--- config
    location / {
        rum on;
    }
--- user_files eval
[["big.html", $main::Page]]
--- request
GET /big.html
--- response_body_filters eval
\&main::check_page
--- response_body_like: ^snippets=1 length=\d+ same=1$
--- timeout: 20



=== TEST 2: 3 MB proxied, proxy_buffering off
--- config
    location /p/ {
        rum on;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files eval
[["big.html", $main::Page]]
--- request
GET /p/big.html
--- response_body_filters eval
\&main::check_page
--- response_body_like: ^snippets=1 length=\d+ same=1$
--- timeout: 20



=== TEST 3: 3 MB proxied, buffered in small buffers
--- config
    location /p/ {
        rum on;
        proxy_buffers 4 4k;
        proxy_max_temp_file_size 0;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/b/;
    }
    location /b/ {
        alias html/;
    }
--- user_files eval
[["big.html", $main::Page]]
--- request
GET /p/big.html
--- response_body_filters eval
\&main::check_page
--- response_body_like: ^snippets=1 length=\d+ same=1$
--- timeout: 20



=== TEST 4: 3 MB without </head> nor <body>: untouched
--- config
    location / {
        rum on;
    }
--- user_files eval
[["frag.html", $main::Fragment]]
--- request
GET /frag.html
--- response_body_filters eval
sub { $_[0] eq $main::Fragment ? "same" : "different" }
--- response_body: same
--- timeout: 20
