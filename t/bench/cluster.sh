#!/bin/bash
# Scale-out benchmark (make bench): the same beacon, with 64 session ids,
#   single     rum_redis ADDRESS, one stream
#   cluster3   rum_redis cluster ..., a cluster of 3 primaries, shards=3
#   cluster12  the same cluster, shards=12
# CPU: instructions per beacon in the nginx process under callgrind
# (master_process off; a run with N beacons minus a run with none).
# Wall clock: wrk, 32 connections, one nginx worker, side by side: beacons
# per second, and the CPU time Redis spent per beacon (all its processes),
# from which the beacons per second one Redis process can take.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
module=${MODULE:-$root/build/nginx/objs/ngx_http_rum_module.so}
beacon=${BEACON:-$root/t/data/beacon-8.json}
n=${N:-2000}
duration=${DURATION:-8}
nginx=${NGINX:-/usr/sbin/nginx}
port=${PORT:-18580}
rport=$((port + 1))
cports="$((port + 2)) $((port + 3)) $((port + 4))"
work=$(mktemp -d /tmp/rum-bench-cluster.XXXXXX)
export SESSIONS=64

cleanup() {
    for pid in $work/*/logs/nginx.pid; do
        [ -f "$pid" ] && kill -QUIT "$(cat "$pid")" 2>/dev/null || true
    done
    for p in $rport $cports; do
        redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

for p in $port $rport $cports $((port + 10002)) $((port + 10003)) \
         $((port + 10004))
do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
        echo "cluster.sh: port $p is in use (set PORT)" >&2
        exit 1
    fi
done

redis() {    # PORT [cluster]
    mkdir -p "$work/r$1"
    redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --dir "$work/r$1" --logfile "$work/r$1/log" \
        --pidfile "$work/r$1/pid" \
        ${2:+--cluster-enabled yes --cluster-config-file nodes.conf} \
        >/dev/null
    for _ in $(seq 50); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return
        sleep 0.1
    done
    echo "redis-server on $1 did not start" >&2
    exit 1
}

redis $rport
for p in $cports; do
    redis "$p" cluster
done
redis-cli --cluster create $(for p in $cports; do echo 127.0.0.1:$p; done) \
    --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 100); do
    redis-cli -p ${cports%% *} cluster info | grep -q cluster_state:ok \
        && break
    sleep 0.1
done

variants="single cluster3 cluster12"

conf() {
    local v=$1 dir=$work/$1 redis stream
    mkdir -p "$dir/conf" "$dir/logs"
    case $v in
    single)    redis="127.0.0.1:$rport" stream="bench:s" ;;
    cluster3)  redis="cluster 127.0.0.1:${cports%% *}"
               stream="bench:c3 shards=3" ;;
    cluster12) redis="cluster 127.0.0.1:${cports%% *}"
               stream="bench:c12 shards=12" ;;
    esac
    cat > "$dir/conf/nginx.conf" <<END
load_module $module;
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    rum_redis $redis;
    server {
        listen 127.0.0.1:$port;
        location = /b {
            rum_endpoint;
            rum_stream $stream maxlen=1000000;
        }
    }
}
END
}

# the stream's keys of a variant, and the entries in them
keys_of() {
    case $1 in
    single)    echo bench:s ;;
    cluster3)  for i in $(seq 0 2); do echo "bench:c3:{$i}"; done ;;
    cluster12) for i in $(seq 0 11); do echo "bench:c12:{$i}"; done ;;
    esac
}

entries() {
    local total=0 k p
    for k in $(keys_of "$1"); do
        p=$rport
        [ "$1" = single ] || p=${cports%% *}
        total=$((total + $(redis-cli -c -p $p xlen "$k")))
    done
    echo $total
}

clear_streams() {
    local k p
    for k in $(keys_of "$1"); do
        p=$rport
        [ "$1" = single ] || p=${cports%% *}
        redis-cli -c -p $p del "$k" >/dev/null
    done
}

wait_entries() {   # variant count
    for _ in $(seq 300); do
        [ "$(entries "$1")" -ge "$2" ] && return
        sleep 0.1
    done
}

# CPU time (clock ticks) of the Redis processes a variant writes to
redis_ticks() {
    local p pids total=0
    if [ "$1" = single ]; then pids=$rport; else pids=$cports; fi
    for p in $pids; do
        total=$((total + $(awk '{ print $14 + $15 }' \
                             "/proc/$(cat "$work/r$p/pid")/stat")))
    done
    echo $total
}

# shellcheck source=t/bench/lib.sh
. "$root/t/bench/lib.sh"

callgrind() {
    local v=$1 count=$2 dir=$work/$1 out=$work/cg.$1.$2
    clear_streams "$v"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$nginx" -p "$dir" -c conf/nginx.conf \
        -g 'master_process off; daemon off;' 2>"$dir/logs/valgrind.log" &
    local pid=$!
    wait_port
    if [ "$count" -gt 0 ]; then
        perl "$root/t/bench/post.pl" $port /b "$beacon" "$count" \
            $SESSIONS >&2
        wait_entries "$v" "$count"
    fi
    stop $pid
    wait $pid || true
    awk '/^summary:/ { print $2 }' "$out"
}

printf '\nbeacon: %s (%d bytes), %d sessions, N=%d\n\n' \
    "$(basename "$beacon")" "$(stat -c %s "$beacon")" $SESSIONS "$n"

declare -A ir
for v in $variants; do
    conf $v
    base=$(callgrind $v 0)
    full=$(callgrind $v "$n")
    ir[$v]=$(( (full - base) / n ))
done

printf '%-10s %14s %10s\n' variant 'instr/beacon' 'vs single'
for v in $variants; do
    awk -v v=$v -v a="${ir[$v]}" -v b="${ir[single]}" \
        'BEGIN { printf "%-10s %14d %+9.1f%%\n", v, a, 100 * (a - b) / b }'
done

hz=$(getconf CLK_TCK)

echo
printf '%-10s %10s %10s %10s %12s %14s\n' variant 'beacons/s' 'p99' '2xx' \
    'stream +' 'Redis us/b'
for v in $variants; do
    dir=$work/$v
    clear_streams $v
    "$nginx" -p "$dir" -c conf/nginx.conf
    wait_port
    perl "$root/t/bench/post.pl" $port /b "$beacon" 100 $SESSIONS >/dev/null
    wait_entries $v 100
    before=$(entries $v)
    t0=$(redis_ticks $v)
    BEACON=$beacon wrk -t1 -c32 -d${duration}s --latency \
        -s "$root/t/bench/post-sessions.lua" http://127.0.0.1:$port/b \
        > "$work/wrk.$v" 2>&1
    total=$(awk '/requests in/ { print $1 }' "$work/wrk.$v")
    bad=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.$v")
    ok=$((total - ${bad:-0}))
    rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.$v")
    p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.$v")
    wait_entries $v $((before + ok))
    t1=$(redis_ticks $v)
    grown=$(( $(entries $v) - before ))
    us=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$grown" \
             'BEGIN { printf "%.1f", n ? 1e6 * t / hz / n : 0 }')
    printf '%-10s %10s %10s %10s %12s %14s\n' $v "$rps" "$p99" "$ok" \
        "$grown" "$us"
    kill -QUIT "$(cat "$dir/logs/nginx.pid")"
    clear_streams $v
    sleep 0.5
done
echo "(Redis us/b: CPU time of the Redis processes written to, per beacon;"
echo " one Redis process takes at most about 1,000,000 / that beacons/s)"
