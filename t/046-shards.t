# rum_stream KEY shards=N: each entry goes to KEY:{S}, S = CRC-32 of the
# session id modulo N, so that a session stays in order in one shard (the
# braces are a Redis Cluster hash tag); without a session field, by the
# beacon's id.

use lib '.';
use t::RUM;
use Compress::Zlib ();

repeat_each(1);
plan tests => 43;

no_shuffle();

sub shard { Compress::Zlib::crc32($_[0]) % $_[1] }

run_tests();

__DATA__

=== TEST 1: sessions spread over the shards, each in order in its own
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /rum {
        rum_endpoint;
        rum_stream rum:sharded shards=4;
    }
--- redis_before
FLUSHALL
--- request eval
[ map { my ($s, $n) = @$_;
        "POST /rum\n{\"id\":\"$s-$n\",\"seq\":$n,\"session\":{\"id\":\"$s\"}}" }
  map { my $s = $_; map { [$s, $_] } 1 .. 3 } qw(alpha bravo charlie delta echo) ]
--- error_code eval
[ (204) x 15 ]
--- stream_key: rum:none
--- stream_check
my %want;
for my $s (qw(alpha bravo charlie delta echo)) {
    push @{ $want{main::shard($s, 4)} }, map { "$s-$_" } 1 .. 3;
}
my $total = 0;
for my $k (0 .. 3) {
    my @ids = map { $_->{id} } t::RUM::stream_entries("rum:sharded:{$k}");
    $total += @ids;
    main::is("@ids", join(' ', @{ $want{$k} || [] }), "shard $k: its sessions, in order");
}
main::is($total, 15, 'every entry in a shard');
main::is(t::RUM::redis('EXISTS', 'rum:sharded'), 0, 'none in the unsharded key');
main::ok(scalar(keys %want) > 1, 'more than one shard used');
--- no_error_log
[error]



=== TEST 2: no session: by the beacon's id; shards inherited with rum_stream
--- http_config
    rum_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rum_stream rum:inh maxlen=5 shards=2;
--- config
    location = /rum {
        rum_endpoint;
    }
--- redis_before
FLUSHALL
--- request eval
[ "POST /rum\n{\"id\":\"lone-1\"}", "POST /rum\n{\"id\":\"lone-2\"}" ]
--- error_code eval
[204, 204]
--- stream_key: rum:none
--- stream_check
for my $id (qw(lone-1 lone-2)) {
    my $k = main::shard($id, 2);
    my @ids = map { $_->{id} } t::RUM::stream_entries("rum:inh:{$k}");
    main::ok((grep { $_ eq $id } @ids), "$id in shard $k");
}
--- no_error_log
[error]
