# "</head>" split across buffers at every position: a static file read in
# small buffers (output_buffers), and a proxied page with proxy_buffering
# off whose backend sends it in small pieces.  The snippet must land right
# before "</head>" with every other byte unchanged.

use lib '.';
use t::RUM;

repeat_each(1);

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
        }
_EOC_

# pages whose "</HeAd >" starts at every offset modulo 8
our @Pages = map { "<html><head><title>t</title>" . (" " x $_)
                   . "</HeAd ><body>b</body></html>\n" } 0 .. 8;

sub files { [ map { ["p$_.html", $Pages[$_]] } 0 .. $#Pages ] }
sub requests { [ map { "GET $_[0]/p$_.html" } 0 .. $#Pages ] }
sub expected {
    [ map { my $p = $Pages[$_]; $p =~ s{(</HeAd >)}{\x00$1};
            my ($a, $b) = split /\x00/, $p;
            qr/^\Q$a\E<script>\(function[^<]*"CRUM"\)<\/script>\Q$b\E\z/ }
      0 .. $#Pages ]
}

plan tests => repeat_each() * (8 * 9 * 2);

run_tests();

__DATA__

=== TEST 1: buffers of 1 byte
--- config
    location / {
        rum on;
        sendfile off;
        output_buffers 1 1;
    }
--- user_files eval: main::files()
--- request eval: main::requests("")
--- response_body_like eval: main::expected()



=== TEST 2: buffers of 2 bytes
--- config
    location / {
        rum on;
        output_buffers 1 2;
    }
--- user_files eval: main::files()
--- request eval: main::requests("")
--- response_body_like eval: main::expected()



=== TEST 3: buffers of 3 bytes
--- config
    location / {
        rum on;
        output_buffers 1 3;
    }
--- user_files eval: main::files()
--- request eval: main::requests("")
--- response_body_like eval: main::expected()



=== TEST 4: buffers of 5 bytes
--- config
    location / {
        rum on;
        output_buffers 2 5;
    }
--- user_files eval: main::files()
--- request eval: main::requests("")
--- response_body_like eval: main::expected()



=== TEST 5: buffers of 7 bytes
--- config
    location / {
        rum on;
        output_buffers 1 7;
    }
--- user_files eval: main::files()
--- request eval: main::requests("")
--- response_body_like eval: main::expected()



=== TEST 6: buffers of 8 bytes
--- config
    location / {
        rum on;
        output_buffers 1 8;
    }
--- user_files eval: main::files()
--- request eval: main::requests("")
--- response_body_like eval: main::expected()



=== TEST 7: proxied, proxy_buffering off, the backend sends pieces of 4 bytes
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        root html;
        sendfile off;
        output_buffers 1 4;
        postpone_output 0;
        limit_rate_after 1;
        limit_rate 2000;
    }
--- config
    location /p/ {
        rum on;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files eval: main::files()
--- request eval: main::requests("/p")
--- response_body_like eval: main::expected()
--- timeout: 10



=== TEST 8: proxied, buffered, small proxy buffers
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        root html;
        sendfile off;
        output_buffers 1 3;
        postpone_output 0;
    }
--- config
    location /p/ {
        rum on;
        proxy_buffer_size 1k;
        proxy_buffers 4 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files eval: main::files()
--- request eval: main::requests("/p")
--- response_body_like eval: main::expected()
