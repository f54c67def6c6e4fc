#!/bin/bash
# Beacon ingestion benchmark (make bench): the same beacon through
#   floor   nginx reading the body and answering 204, no module
#   module  rum_endpoint, parsing and XADD to Redis
#   lua     an OpenResty-style collector: lua-cjson decode + XADD over a
#           keep-alive pool of lua-nginx-redis connections
# CPU: instructions per beacon in the nginx process under callgrind
# (master_process off; a run with N beacons minus a run with none).
# Wall clock: wrk, 32 connections, side by side; stream growth = 2xx count.
# MEMORY=1 also sends MEMORY_BEACONS (1000000) beacons to the module and
# compares the worker's RSS before and after.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
module=${MODULE:-$root/build/nginx/objs/ngx_http_rum_module.so}
beacon=${BEACON:-$root/t/data/beacon-8.json}
n=${N:-2000}
duration=${DURATION:-10}
nginx=${NGINX:-/usr/sbin/nginx}
port=${PORT:-18480}
rport=$((port - 1))
work=$(mktemp -d /tmp/rum-bench-ingest.XXXXXX)

cleanup() {
    for pid in $work/*/logs/nginx.pid; do
        [ -f "$pid" ] && kill -QUIT "$(cat "$pid")" 2>/dev/null || true
    done
    redis-cli -p $rport shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

for p in $port $rport; do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
        echo "ingest.sh: port $p is in use (set PORT)" >&2
        exit 1
    fi
done

redis-server --port $rport --save '' --appendonly no --daemonize yes \
    --dir "$work" --logfile "$work/redis.log" >/dev/null
for _ in $(seq 50); do
    redis-cli -p $rport ping >/dev/null 2>&1 && break
    sleep 0.1
done

location() {
    case $1 in
    floor) cat <<END
        location = /b {
            # nginx reads the whole body (and discards it), answers 204
            client_max_body_size 64k;
            return 204;
        }
END
    ;;
    module) cat <<END
        location = /b {
            rum_endpoint;
            rum_stream bench:module maxlen=1000000;
        }
END
    ;;
    lua) cat <<END
        location = /b {
            client_body_buffer_size 64k;
            client_max_body_size 64k;
            content_by_lua_block {
                local cjson = require "cjson.safe"
                local redis = require "nginx.redis"

                ngx.req.read_body()
                local body = ngx.req.get_body_data()
                local b = body and cjson.decode(body)
                if type(b) ~= "table" then
                    return ngx.exit(400)
                end

                local s, v = b.session or {}, b.view or {}
                local args = { "bench:lua", "MAXLEN", "~", "1000000", "*",
                               "v", "1", "ts", tostring(ngx.now() * 1000),
                               "id", tostring(b.id), "kind",
                               tostring(b.kind or "sample"),
                               "session", tostring(s.id),
                               "view", tostring(v.id),
                               "url", tostring(v.href) }
                if type(b.metrics) == "table" then
                    for k, m in pairs(b.metrics) do
                        args[#args + 1] = k
                        args[#args + 1] = tostring(m)
                    end
                end
                args[#args + 1] = "payload"
                args[#args + 1] = body

                local red = redis:new()
                red:set_timeout(1000)
                local ok, err = red:connect("127.0.0.1", $rport)
                if not ok then
                    return ngx.exit(503)
                end
                local res, err = red:xadd(unpack(args))
                if not res then
                    return ngx.exit(503)
                end
                red:set_keepalive(10000, 64)
                return ngx.exit(204)
            }
        }
END
    ;;
    esac
}

conf() {
    local v=$1 dir=$work/$1
    mkdir -p "$dir/conf" "$dir/logs"
    {
        case $v in
        module) echo "load_module $module;" ;;
        lua) echo "load_module /usr/lib/nginx/modules/ndk_http_module.so;"
             echo "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;"
             ;;
        esac
        cat <<END
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
END
        case $v in
        module) echo "    rum_redis 127.0.0.1:$rport;" ;;
        lua) echo "    lua_package_path '/usr/share/lua/5.1/?.lua;;';" ;;
        esac
        cat <<END
    server {
        listen 127.0.0.1:$port;
$(location "$v")
    }
}
END
    } > "$dir/conf/nginx.conf"
}

wait_stream() {   # key count
    for _ in $(seq 300); do
        [ "$(redis-cli -p $rport xlen "$1")" -ge "$2" ] 2>/dev/null && return
        sleep 0.1
    done
}

# shellcheck source=t/bench/lib.sh
. "$root/t/bench/lib.sh"

# instructions of one nginx run answering $2 beacons
callgrind() {
    local v=$1 count=$2 dir=$work/$1 out=$work/cg.$1.$2
    redis-cli -p $rport del bench:$v >/dev/null
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$nginx" -p "$dir" -c conf/nginx.conf \
        -g 'master_process off; daemon off;' 2>"$dir/logs/valgrind.log" &
    local pid=$!
    wait_port
    if [ "$count" -gt 0 ]; then
        perl "$root/t/bench/post.pl" $port /b "$beacon" "$count" >&2
        [ "$v" = floor ] || wait_stream bench:$v "$count"
    fi
    stop $pid
    wait $pid || true
    awk '/^summary:/ { print $2 }' "$out"
}

printf '\nbeacon: %s (%d bytes), N=%d\n\n' "$(basename "$beacon")" \
    "$(stat -c %s "$beacon")" "$n"

declare -A ir
for v in floor module lua; do
    conf $v
    base=$(callgrind $v 0)
    full=$(callgrind $v "$n")
    ir[$v]=$(( (full - base) / n ))
done

printf '%-8s %14s %10s\n' variant 'instr/beacon' 'vs lua'
for v in floor module lua; do
    awk -v v=$v -v a="${ir[$v]}" -v b="${ir[lua]}" \
        'BEGIN { printf "%-8s %14d %10.2f\n", v, a, a / b }'
done

echo
printf '%-8s %10s %10s %10s %12s\n' variant 'req/s' 'p99' '2xx' 'stream +'
for v in floor module lua; do
    dir=$work/$v
    redis-cli -p $rport del bench:$v >/dev/null
    "$nginx" -p "$dir" -c conf/nginx.conf
    wait_port
    before=$(redis-cli -p $rport xlen bench:$v)
    BEACON=$beacon wrk -t1 -c32 -d${duration}s --latency \
        -s "$root/t/bench/post.lua" http://127.0.0.1:$port/b \
        > "$work/wrk.$v" 2>&1
    total=$(awk '/requests in/ { print $1 }' "$work/wrk.$v")
    bad=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.$v")
    ok=$((total - ${bad:-0}))
    rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.$v")
    p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.$v")
    [ "$v" = floor ] || wait_stream bench:$v $((before + ok))
    after=$(redis-cli -p $rport xlen bench:$v)
    grown=$((after - before))
    [ "$v" = floor ] && grown=-
    printf '%-8s %10s %10s %10s %12s\n' $v "$rps" "$p99" "$ok" "$grown"
    kill -QUIT "$(cat "$dir/logs/nginx.pid")"
    redis-cli -p $rport del bench:$v >/dev/null
    sleep 0.5
done
echo "(stream +: entries added during the run, must equal the 2xx count;"
echo " plus at most one per connection: requests still in flight when wrk stopped)"

if [ "${MEMORY:-0}" = 1 ]; then
    m=${MEMORY_BEACONS:-1000000}
    dir=$work/module
    "$nginx" -p "$dir" -c conf/nginx.conf
    wait_port
    perl "$root/t/bench/post.pl" $port /b "$beacon" 1000 >/dev/null
    wpid=$(pgrep -P "$(cat "$dir/logs/nginx.pid")" | head -1)
    rss0=$(awk '/VmRSS/ { print $2 }' /proc/$wpid/status)
    sent=0
    while [ $sent -lt "$m" ]; do
        BEACON=$beacon wrk -t1 -c32 -d10s -s "$root/t/bench/post.lua" \
            http://127.0.0.1:$port/b > "$work/wrk.mem" 2>&1
        sent=$((sent + $(awk '/requests in/ { print $1 }' "$work/wrk.mem")))
        printf '  after %8d beacons: worker RSS %d kB\n' "$sent" \
            "$(awk '/VmRSS/ { print $2 }' /proc/$wpid/status)"
    done
    rss1=$(awk '/VmRSS/ { print $2 }' /proc/$wpid/status)
    hwm=$(awk '/VmHWM/ { print $2 }' /proc/$wpid/status)
    printf '\nworker RSS after 1000 beacons: %d kB, after %d more: %d kB' \
        "$rss0" "$sent" "$rss1"
    printf ' (peak %d kB)\n' "$hwm"
    kill -QUIT "$(cat "$dir/logs/nginx.pid")"
fi
