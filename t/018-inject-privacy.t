# The visitor's privacy: no snippet for a request with Global Privacy
# Control (Sec-GPC: 1) or Do Not Track (DNT: 1), counted as the "privacy"
# skip; rum_privacy_signals off injects for them and tells the client so;
# $rum_anon_remote_addr holds the client address to its /24 or /48.

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * 45;

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
        }
_EOC_

run_tests();

__DATA__

=== TEST 1: Sec-GPC: 1 gets the page as it is, counted
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 100;
    }
    location = /status {
        rum_status;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request eval
["GET /index.html", "GET /index.html", "GET /status"]
--- more_headers eval
["Sec-GPC: 1", "", ""]
--- response_body_like eval
["^<html><head><title>t</title></head><body>hello</body></html>\n\\z",
 "<script>.*</script></head>",
 "\"skipped\":\\{[^}]*\"privacy\":1[,}]"]
--- response_headers_like eval
["!Document-Policy", "Document-Policy: js-profiling", ""]
--- no_error_log
[error]



=== TEST 2: DNT: 1 too; DNT: 0 and Sec-GPC: 0 do not count
--- config
    location / {
        rum on;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request eval
["GET /index.html", "GET /index.html", "GET /index.html"]
--- more_headers eval
["DNT: 1", "DNT: 0", "Sec-GPC: 0"]
--- response_body_like eval
["^<html><head><title>t</title></head><body>hello</body></html>\n\\z",
 "<script>.*</script></head>",
 "<script>.*</script></head>"]
--- no_error_log
[error]



=== TEST 3: rum_privacy_signals off: injected, and the client is told
--- config
    location / {
        rum on;
        rum_privacy_signals off;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
--- request
GET /index.html
--- more_headers
Sec-GPC: 1
--- response_body_like chomp
k=\{"privacySignals":false(,"profiling":true)?\}.*</script></head>
--- no_error_log
[error]



=== TEST 4: rum_privacy_signals off keeps what rum_config says, in inner locations
--- config
    rum_privacy_signals off;
    rum_config samplingRate 3000;
    location / {
        rum on;
        rum_config privacySignals true;
    }
    location /inner/ {
        rum on;
    }
--- user_files
>>> index.html
<html><head><title>t</title></head><body>hello</body></html>
>>> inner/index.html
<html><head><title>t</title></head><body>inner</body></html>
--- request eval
["GET /index.html", "GET /inner/index.html"]
--- response_body_like eval
["k=\\{\"privacySignals\":true(,\"profiling\":true)?\\}",
 "k=\\{\"samplingRate\":3000,\"privacySignals\":false(,\"profiling\":true)?\\}"]
--- no_error_log
[error]



=== TEST 5: $rum_anon_remote_addr: IPv4 to its /24
--- config
    location = /addr {
        return 200 "$rum_anon_remote_addr\n";
    }
--- request
GET /addr
--- response_body
127.0.0.0
--- no_error_log
[error]



=== TEST 6: $rum_anon_remote_addr after realip, IPv4 and IPv6
--- config
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    location = /addr {
        return 200 "$rum_anon_remote_addr\n";
    }
--- request eval
["GET /addr", "GET /addr", "GET /addr"]
--- more_headers eval
["X-Real-IP: 203.0.113.77", "X-Real-IP: 2001:db8:abcd:12:1:2:3:4", "X-Real-IP: ::ffff:198.51.100.9"]
--- response_body eval
["203.0.113.0\n", "2001:db8:abcd::\n", "198.51.100.0\n"]
--- no_error_log
[error]



=== TEST 7: in a stream entry through rum_field
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        rum_endpoint;
        rum_field ip $rum_anon_remote_addr;
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"anon-1"}
--- more_headers
X-Real-IP: 192.0.2.200
--- error_code: 204
--- stream_len: 1
--- stream_check
main::is($_[0]{ip}, '192.0.2.0', 'the entry has the /24');
--- no_error_log
[error]
