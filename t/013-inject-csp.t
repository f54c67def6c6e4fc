# The snippet under the page's Content-Security-Policy (never changed), and
# the escaping of every value that comes from configuration or variables.

use lib '.';
use t::RUM;

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

run_tests();

__DATA__

=== TEST 1: a script nonce is reused (from add_header, which runs before the filter)
--- config
    location / {
        rum on;
        add_header Content-Security-Policy "default-src 'self'; script-src 'self' 'nonce-r4nd0m+/=' 'strict-dynamic'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script nonce="r4nd0m\+/=">\(function.*s\.src=u;s\.nonce="r4nd0m\+/=";d\.head\.appendChild\(s\).*</script></head></html>$



=== TEST 2: default-src with a nonce and no script-src
--- config
    location / {
        rum on;
        add_header Content-Security-Policy "default-src 'nonce-abc' 'self'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
<script nonce="abc">\(function



=== TEST 3: 'self' only: the attribute form
--- config
    location / {
        rum on;
        rum_config samplingRate 3000;
        rum_config viewId "home";
        add_header Content-Security-Policy "script-src 'self'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script async src="/rum" id="CRUM" data-crum data-sampling-rate="3000" data-view-id="home"( data-profiling="true")?></script></head></html>$



=== TEST 4: 'unsafe-inline' allows the inline form; a nonce that is not base64 is not echoed
--- config
    location / {
        rum on;
        add_header Content-Security-Policy "script-src 'self' 'unsafe-inline'; style-src 'nonce-a\"b'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script>\(function



=== TEST 5: an invalid nonce in script-src: the attribute form
--- config
    location / {
        rum on;
        add_header Content-Security-Policy "script-src 'nonce-<x>'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script async src="/rum" id="CRUM" data-crum( data-profiling="true")?></script></head></html>$



=== TEST 6: hostile values in variables: nothing closes the script
--- config
    location / {
        rum on;
        rum_config viewId $arg_v;
        rum_config samplingRate $arg_s;
        rum_config trackErrors $arg_t;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
"GET /index.html?v=</script><script>alert(1)\"'\\\xe2\x80\xa8\xe2\x80\xa9&s=1e9&t=yes"
--- response_body_like chomp
k=\{"viewId":"\\u003c/script\\u003e\\u003cscript\\u003ealert\(1\)\\"'\\\\\\u2028\\u2029","samplingRate":"1e9","trackErrors":"yes"(,"profiling":true)?\},n;



=== TEST 7: valid variable numbers and booleans stay numbers and booleans
--- config
    location / {
        rum on;
        rum_config samplingRate $arg_s;
        rum_config trackErrors $arg_t;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html?s=2.5&t=true
--- response_body_like chomp
k=\{"samplingRate":2.5,"trackErrors":true(,"profiling":true)?\},n;



=== TEST 8: hostile values in the attribute form are HTML-escaped
--- config
    location / {
        rum on;
        rum_config viewId $arg_v;
        rum_script_url "/rum?a=1&b=$arg_b";
        add_header Content-Security-Policy "default-src 'self'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
"GET /index.html?v=\"><script>alert(1)</script>'&b=\">"
--- response_body_like chomp
^<html><head><script async src="/rum\?a=1&amp;b=&quot;&gt;" id="CRUM" data-crum data-view-id="&quot;&gt;&lt;script&gt;alert\(1\)&lt;/script&gt;&#39;"( data-profiling="true")?></script></head></html>$



=== TEST 9: Trusted Types required: the attribute form, with the page's nonce
--- config
    location / {
        rum on;
        rum_config viewId "tt";
        add_header Content-Security-Policy "script-src 'nonce-tT0k3n' 'strict-dynamic'; require-trusted-types-for 'script'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script async src="/rum" id="CRUM" data-crum nonce="tT0k3n" data-view-id="tt"( data-profiling="true")?></script></head></html>$



=== TEST 10: Trusted Types only reported: the attribute form too, so that nothing is reported
--- config
    location / {
        rum on;
        add_header Content-Security-Policy "script-src 'self' 'nonce-abc'";
        add_header Content-Security-Policy-Report-Only "require-trusted-types-for 'script'; report-uri /csp";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script async src="/rum" id="CRUM" data-crum nonce="abc"( data-profiling="true")?></script></head></html>$



=== TEST 11: a report-only policy's nonce is not taken, nor does it forbid the inline form
--- config
    location / {
        rum on;
        add_header Content-Security-Policy-Report-Only "script-src 'nonce-ro'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- response_body_like chomp
^<html><head><script>\(function
