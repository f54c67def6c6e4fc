# rum_redis: a unix socket, AUTH as an ACL user, SELECT, a refused AUTH,
# and configuration errors.

use lib '.';
use t::RUM;

repeat_each(1);
no_shuffle();

plan tests => 15;

run_tests();

__DATA__

=== TEST 1: a unix socket and an ACL user
--- http_config
    rum_redis unix:$TEST_NGINX_REDIS_SOCKET user=rum password=s3cret;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
ACL SETUSER rum reset on >s3cret ~rum:* +xadd
--- request
POST /rum
{"id":"acl-1","view":{"id":"home"}}
--- error_code: 204
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=acl-1 kind=sample view=home payload=
--- no_error_log
[error]



=== TEST 2: a refused AUTH is logged, nothing is written
--- http_config
    rum_redis unix:$TEST_NGINX_REDIS_SOCKET user=rum password=wrong;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
ACL SETUSER rum reset on >s3cret ~rum:* +xadd
--- request
POST /rum
{"id":"acl-2"}
--- error_code: 204
--- wait: 0.5
--- stream_len: 0
--- error_log
refused the connection setup



=== TEST 3: db= selects the database
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT db=3;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"db-1"}
--- error_code: 204
--- stream_check
my $n = 0;
for (1 .. 50) {
    t::RUM::redis('SELECT', 3);
    $n = t::RUM::redis('XLEN', 'rum:beacons');
    t::RUM::redis('SELECT', 0);
    last if $n;
    select undef, undef, undef, 0.1;
}
main::is($n, 1, 'the entry is in db 3');
main::is(t::RUM::redis('XLEN', 'rum:beacons'), 0, 'and not in db 0');
--- no_error_log
[error]



=== TEST 4: a bad parameter fails the configuration
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT database=3;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
invalid parameter "database=3" in "rum_redis"



=== TEST 5: user= needs password=
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT user=rum;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
rum_redis "user=" needs "password="
