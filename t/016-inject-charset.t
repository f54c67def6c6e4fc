# What the module writes into a page is ASCII only.  On a page in a legacy
# multibyte charset (Shift_JIS, GBK, Big5) a raw byte above 0x7f can take
# the next byte, a backslash, into one character, so that a quote meant to
# be escaped ends the string: every value from configuration or variables
# comes out as \uXXXX (JSON) or &#x...; (attribute), bytes that are not
# UTF-8 as U+FFFD.  Blocks with a "--- charset_value" section are also
# decoded as Shift_JIS, GBK and Big5, and the value read back from the
# snippet as the page's own parser would read it.

use lib '.';
use t::RUM;
use Encode ();

my @Charsets = qw(shiftjis gbk big5);

repeat_each(1);
plan tests => repeat_each() * (blocks() * 2 + 4 * @Charsets * 2);

no_shuffle();
no_long_string();
no_root_location();
config_preamble(<<'_EOC_');
        root html;
        types {
            text/html html;
        }
_EOC_

# the snippet, decoded as each charset: ASCII only, and the value of the
# property named in charset_value, unescaped as JavaScript or HTML would,
# is the one in charset_expect
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;

    my $prop = $block->charset_value;
    return unless defined $prop;
    chomp $prop;

    my $name = $block->name;
    my $expect = eval $block->charset_expect;
    die $@ if $@;

    for my $cs (@Charsets) {
        if ($dry_run) {
            SKIP: { Test::More::skip("$name - $cs: dry run", 2) }
            next;
        }

        my ($snippet) = $body =~ m{(<script[^>]*>.*?</script>)}s;
        $snippet //= '';

        Test::More::ok($snippet ne '' && $snippet !~ /[^\x00-\x7f]/,
                       "$name - $cs: the snippet is ASCII only");

        my $text = Encode::decode($cs, $snippet);
        my $got;

        if ($text =~ /\bk=\{.*?"\Q$prop\E":"((?:[^"\\]|\\.)*)"[,}]/s) {
            # a JavaScript string literal
            $got = $1;
            $got =~ s/\\u([0-9a-fA-F]{4})\\u([0-9a-fA-F]{4})/
                      chr(0x10000 + ((hex($1) - 0xd800) << 10)
                          + (hex($2) - 0xdc00))/ge;
            $got =~ s/\\u([0-9a-fA-F]{4})/chr(hex($1))/ge;
            $got =~ s/\\(.)/$1/g;

        } elsif ($text =~ /\sdata-\Q$prop\E="([^"]*)"[\s>]/) {
            # a double-quoted attribute value
            $got = $1;
            $got =~ s/&#x([0-9a-fA-F]+);/chr(hex($1))/ge;
            $got =~ s/&#39;/'/g;
            $got =~ s/&quot;/"/g;
            $got =~ s/&lt;/</g;
            $got =~ s/&gt;/>/g;
            $got =~ s/&amp;/&/g;
        }

        Test::More::is($got, $expect,
                       "$name - $cs: the value reads back whole");
    }
});

run_tests();

__DATA__

=== TEST 1: a lead byte before a quote on a Shift_JIS page (the JSON form)
--- config
    location / {
        rum on;
        rum_config viewId $arg_v;
    }
--- user_files
>>> index.html
<html><head><meta charset="shift_jis"></head></html>
--- request eval
"GET /index.html?v=\x81\"};alert(1)})({});// HTTP/1.0"
--- response_body_like chomp
<script>\(function.*k=\{"viewId":"\\ufffd\\"\};alert\(1\)\}\)\(\{\}\);//"(,"profiling":true)?\},n;
--- charset_value
viewId
--- charset_expect
"\x{fffd}\"};alert(1)})({});//"



=== TEST 2: the same in the attribute form (script-src 'self', no nonce)
--- config
    location / {
        rum on;
        rum_config viewId $arg_v;
        add_header Content-Security-Policy "script-src 'self'";
    }
--- user_files
>>> index.html
<html><head><meta charset="shift_jis"></head></html>
--- request eval
"GET /index.html?v=\x81\"\x5c></script><script>alert(1)</script> HTTP/1.0"
--- response_body_like chomp
<script async src="/rum" id="CRUM" data-crum data-view-id="&#xfffd;&quot;\\&gt;&lt;/script&gt;&lt;script&gt;alert\(1\)&lt;/script&gt;"( data-profiling="true")?></script></head>
--- charset_value
view-id
--- charset_expect
"\x{fffd}\"\\></script><script>alert(1)</script>"



=== TEST 3: UTF-8 beyond ASCII, U+2028 and a character above U+FFFF (JSON)
--- config
    location / {
        rum on;
        rum_config viewId $http_x_v;
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- more_headers eval
"X-V: caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80\\\"\n"
--- response_body_like chomp
k=\{"viewId":"caf\\u00e9 \\u2028 \\ud83d\\ude00\\\\\\""(,"profiling":true)?\},n;
--- charset_value
viewId
--- charset_expect
"caf\x{e9} \x{2028} \x{1f600}\\\""



=== TEST 4: overlong forms, surrogates and cut sequences become U+FFFD (attribute)
--- config
    location / {
        rum on;
        rum_config viewId $http_x_v;
        add_header Content-Security-Policy "script-src 'self'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request
GET /index.html
--- more_headers eval
"X-V: a\xc0\xafb\xed\xa0\x80c\xf4\x90\x80\x80d\xe2\x82\n"
--- response_body_like chomp
data-view-id="a&#xfffd;&#xfffd;b&#xfffd;&#xfffd;&#xfffd;c&#xfffd;&#xfffd;&#xfffd;&#xfffd;d&#xfffd;&#xfffd;"
--- charset_value
view-id
--- charset_expect
"a\x{fffd}\x{fffd}b\x{fffd}\x{fffd}\x{fffd}c" . ("\x{fffd}" x 4) . "d\x{fffd}\x{fffd}"



=== TEST 5: rum_script_url from a variable is escaped the same way
--- config
    location / {
        rum on;
        rum_script_url "/rum?p=$arg_p";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
"GET /index.html?p=\x81\"</script> HTTP/1.0"
--- response_body_like chomp
\(window,document,"script","/rum\?p=\\ufffd\\"\\u003c/script\\u003e","CRUM"\)</script></head>



=== TEST 6: ... and in the attribute form
--- config
    location / {
        rum on;
        rum_script_url "/rum?p=$arg_p";
        add_header Content-Security-Policy "script-src 'self'";
    }
--- user_files
>>> index.html
<html><head></head></html>
--- request eval
"GET /index.html?p=\x81\"\xe9 HTTP/1.0"
--- response_body_like chomp
<script async src="/rum\?p=&#xfffd;&quot;&#xfffd;" id="CRUM" data-crum( data-profiling="true")?></script></head>
