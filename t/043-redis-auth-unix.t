# rum_redis: a unix socket, AUTH as an ACL user or with a password, SELECT,
# host names resolved at configuration time, identical servers shared, a
# refused AUTH logged once however often it is retried, and configuration
# errors.

use lib '.';
use t::RUM;
use IO::Socket::INET;
use JSON::PP ();

repeat_each(1);
no_shuffle();

plan tests => 49;

sub status {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . server_port())
        or die "no connection to nginx: $!";
    print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $r = do { local $/; <$s> };
    $r =~ s/\A.*?\r\n\r\n//s;
    return JSON::PP::decode_json($r);
}

sub log_lines {
    my ($re) = @_;
    my $root = $ENV{TEST_NGINX_SERVROOT} || 't/servroot';
    open my $fh, '<', "$root/logs/error.log" or die "no error.log: $!";
    return grep { /$re/ } <$fh>;
}

run_tests();

__DATA__

=== TEST 1: a unix socket and an ACL user allowed nothing but XADD
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



=== TEST 2: a refused AUTH is logged once, however often it is retried
--- http_config
    rum_redis unix:$TEST_NGINX_REDIS_SOCKET user=rum password=wrong;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
ACL SETUSER rum reset on >s3cret ~rum:* +xadd
--- request
POST /rum
{"id":"acl-2"}
--- error_code: 204
--- stream_len: 0
--- stream_check
t::RUM::wait_until { main::status()->{redis}{connect_failures} >= 3 };
my $st = main::status();
main::cmp_ok($st->{redis}{connect_failures}, '>=', 3, 'retried');
main::is($st->{redis}{connects}, 0, 'never connected');
main::is($st->{queue}{entries}, 1, 'the entry waits');
my @l = main::log_lines(qr/refused the connection setup/);
main::is(scalar @l, 1, 'logged once');
main::like($l[0], qr/\[error\] .*rum: Redis "unix:[^"]+": refused the connection setup: WRONGPASS/,
           'with what Redis said');
main::unlike(join('', main::log_lines(qr/rum:/)), qr/wrong/,
             'the password is not logged');



=== TEST 3: password= authenticates the default user (requirepass)
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT password=pa55;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
CONFIG SET requirepass pa55
--- request
POST /rum
{"id":"pass-1"}
--- error_code: 204
--- stream_len: 1
--- stream_like
^v=1 ts=\d+ id=pass-1 kind=sample
--- stream_check
# our own connection authenticated before the password was set
t::RUM::redis('CONFIG', 'SET', 'requirepass', '');
main::ok(1, 'password removed');
--- no_error_log
[error]



=== TEST 3b: a Redis that starts asking for a password while nginx runs is named in the log
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"pass-2"}
--- error_code: 204
--- stream_len: 1
--- stream_check
t::RUM::redis('CONFIG', 'SET', 'requirepass', 'pa55');
t::RUM::redis('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
t::RUM::wait_until { scalar main::log_lines(qr/NOAUTH/) };
my @l = main::log_lines(qr/NOAUTH/);
t::RUM::redis('CONFIG', 'SET', 'requirepass', '');
main::like($l[0] // '', qr/\[error\] .*rum: Redis "127\.0\.0\.1:\d+": refused the connection setup: NOAUTH/,
           'the reason is logged, after the lost connection');



=== TEST 4: db= selects the database
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



=== TEST 5: a host name is resolved when the configuration is read
--- http_config
    rum_redis localhost:$TEST_NGINX_REDIS_PORT connect_timeout=500ms;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request
POST /rum
{"id":"localhost-1"}
--- error_code: 204
--- stream_len: 1
--- no_error_log
[alert]



=== TEST 6: identical rum_redis lines share one connection
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
    }
    location = /rum2 {
        rum_endpoint;
        rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    }
    location = /rum3 {
        rum_endpoint;
        rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT db=1;
    }
    location = /status {
        rum_status;
    }
--- redis_before
FLUSHALL
--- request eval
["POST /rum\n{\"id\":\"share-1\"}", "POST /rum2\n{\"id\":\"share-2\"}",
 "POST /rum3\n{\"id\":\"share-3\"}"]
--- error_code eval
[204, 204, 204]
--- stream_len: 2
--- stream_check
my $st = main::status();
main::is($st->{redis}{connects}, 2, 'two servers, two connections');
main::is($st->{redis}{workers_connected}, 1, 'the worker has both');
--- no_error_log
[error]



=== TEST 7: an IPv6 address in brackets is taken
--- http_config
    rum_redis [::1]:$TEST_NGINX_RAND_PORT_1;
--- config
    location = /rum {
        rum_endpoint;
    }
--- request
POST /rum
{"id":"v6-1"}
--- error_code: 204
--- wait: 0.3
--- error_log eval
qr/rum: Redis "\[::1\]:\d+": cannot connect: /
--- no_error_log
[alert]



=== TEST 8: a bad parameter fails the configuration
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT database=3;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
invalid parameter "database=3" in "rum_redis"



=== TEST 9: user= needs password=
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT user=rum;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
rum_redis "user=" needs "password="



=== TEST 10: a host that does not resolve fails the configuration
--- http_config
    rum_redis no-such-host.invalid:6379;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
host not found in "no-such-host.invalid:6379" of "rum_redis"



=== TEST 11: an empty unix path fails the configuration
--- http_config
    rum_redis unix:;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
invalid address "unix:" in "rum_redis"



=== TEST 12: a bad connect_timeout fails the configuration
--- http_config
    rum_redis 127.0.0.1:6379 connect_timeout=0;
--- config
    location = /rum {
        rum_endpoint;
    }
--- must_die
--- error_log
invalid parameter "connect_timeout=0" in "rum_redis"
