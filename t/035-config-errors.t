# Configurations that `nginx -t` refuses, with the message that says why.

use lib '.';
use t::RUM;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 2);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: rum_config with an unknown property name
--- config
    location / {
        rum_config sampleRate 100;
    }
--- must_die
--- error_log
unknown client property "sampleRate" in "rum_config"



=== TEST 2: rum_config with a bad number
--- config
    location / {
        rum_config samplingRate 5s;
    }
--- must_die
--- error_log
invalid value "5s" for client property "samplingRate", it must be a non-negative number



=== TEST 3: rum_config with a bad boolean
--- config
    location / {
        rum_config savingMode yes;
    }
--- must_die
--- error_log
invalid value "yes" for client property "savingMode", it must be "true" or "false"



=== TEST 4: rum_config twice with the same name
--- config
    location / {
        rum_config samplingRate 1000;
        rum_config samplingRate 2000;
    }
--- must_die
--- error_log
duplicate client property "samplingRate"



=== TEST 5: rum_cors_origins with a path
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example/checkout;
    }
--- must_die
--- error_log
invalid origin "https://shop.example/checkout" in "rum_cors_origins", it must be "*" or scheme://host[:port]



=== TEST 6: rum_cors_origins with a trailing slash
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins https://shop.example/;
    }
--- must_die
--- error_log
invalid origin "https://shop.example/" in "rum_cors_origins"



=== TEST 7: rum_cors_origins without a scheme
--- config
    location = /rum {
        rum_endpoint;
        rum_cors_origins shop.example;
    }
--- must_die
--- error_log
invalid origin "shop.example" in "rum_cors_origins"



=== TEST 8: rum_stream with a bad maxlen
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:beacons maxlen=many;
    }
--- must_die
--- error_log
invalid maxlen "maxlen=many"



=== TEST 9: rum_stream with a negative maxlen
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:beacons maxlen=-5;
    }
--- must_die
--- error_log
invalid maxlen "maxlen=-5"



=== TEST 10: rum_stream with an empty maxlen
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:beacons maxlen=;
    }
--- must_die
--- error_log
invalid maxlen "maxlen="



=== TEST 11: rum_stream with an unknown parameter
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:beacons size=5;
    }
--- must_die
--- error_log
invalid parameter "size=5"



=== TEST 12: rum_max_body that is not a size
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body lots;
    }
--- must_die
--- error_log
"rum_max_body" directive invalid value



=== TEST 13: rum_max_body below its minimum
--- config
    location = /rum {
        rum_endpoint;
        rum_max_body 8;
    }
--- must_die
--- error_log
value must be between 16 and 16777216



=== TEST 14: rum_queue that is not a size, or not in http
--- http_config
    rum_queue 16q;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
"rum_queue" directive invalid value



=== TEST 15: rum_extract with a reserved name
--- config
    location = /rum {
        rum_endpoint;
        rum_extract id view.id;
    }
--- must_die
--- error_log
invalid "rum_extract": reserved field name



=== TEST 15b: a field given both by rum_field and by rum_extract
--- config
    location = /rum {
        rum_endpoint;
        rum_extract ip metrics.ip;
        rum_field ip $remote_addr;
    }
--- must_die
--- error_log
field "ip" is given both by "rum_field" and by "rum_extract"



=== TEST 15c: rum_field with one of the entry's own names
--- config
    location = /rum {
        rum_endpoint;
        rum_field ts $msec;
    }
--- must_die
--- error_log
"rum_field" name "ts" is one of the stream entry's own fields



=== TEST 16: rum_extract with an empty part in the path
--- config
    location = /rum {
        rum_endpoint;
        rum_extract page view..id;
    }
--- must_die
--- error_log
invalid "rum_extract": empty part in the path



=== TEST 17: rum_endpoint twice
--- config
    location = /rum {
        rum_endpoint;
        rum_endpoint;
    }
--- must_die
--- error_log
"rum_endpoint" directive is duplicate



=== TEST 18: rum_endpoint outside a location
--- http_config
    rum_endpoint;
--- config
--- must_die
--- error_log
"rum_endpoint" directive is not allowed here



=== TEST 19: rum_endpoint and rum_status in one location
--- config
    location = /rum {
        rum_endpoint;
        rum_status;
    }
--- must_die
--- error_log
"rum_status" directive cannot be in the location of "rum_endpoint"



=== TEST 20: a percentage over 100
--- config
    location / {
        rum on;
        rum_config profilingSampleRate 150;
    }
--- must_die
--- error_log
"rum_config profilingSampleRate" is a percentage: "150" is not between 0 and 100



=== TEST 21: rum_extract with an array index
--- config
    location = /rum {
        rum_endpoint;
        rum_extract x metrics[0];
    }
--- must_die
--- error_log
invalid "rum_extract": arrays are not indexed



=== TEST 22: rum_spool with a max_size that is not a size
--- http_config
    rum_spool /tmp/rum-spool max_size=lots;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
invalid "max_size" "lots" in "rum_spool", it must be a size above 0



=== TEST 23: rum_spool off with a parameter
--- http_config
    rum_spool off max_size=1m;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
"rum_spool" directive takes no parameters with "off"
