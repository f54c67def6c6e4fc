#!/bin/bash
# make demo: a private Redis, nginx with the module in front of a small demo
# site, and the example consumer printing the beacons as they arrive.
#
#   make demo                      open the printed URL in a browser
#   HEADLESS=1 make demo           Chromium (headless) browses the site itself
#   DEMO_SECONDS=60 make demo      stop by itself after 60 s
#
# Environment: RUM_MODULE (the .so; default $TEST_NGINX_LOAD_MODULES, as the
# Makefile exports it, else build/nginx/objs/ngx_http_rum_module.so),
# NGINX_BIN (/usr/sbin/nginx), DEMO_ADDR (127.0.0.1: the address nginx
# listens on for the browser; 0.0.0.0 to reach it from another machine),
# DEMO_PORT (8080), DEMO_BACKEND_PORT (8081), DEMO_LIVE_PORT (8082: the
# consumer's live page, proxied at /live/), DEMO_REDIS_PORT (6391),
# DEMO_SUMMARY (seconds between p75 summaries, 10), DEMO_KEEP=1 (keep the
# temp dir with the logs), CHROMIUM (/usr/bin/chromium), DEMO_DRIVER=dump-dom
# (HEADLESS without playwright-core: plain `chromium --dump-dom` visits,
# no clicks; the default when playwright-core cannot be found or installed).
#
# Everything it starts runs in its own process group and is stopped on
# Ctrl-C, on DEMO_SECONDS, or when one of the parts dies.

set -u

root=$(cd "$(dirname "$0")/.." && pwd)

nginx=${NGINX_BIN:-/usr/sbin/nginx}
modules=${RUM_MODULE:-${TEST_NGINX_LOAD_MODULES:-$root/${BUILD:-build}/nginx/objs/ngx_http_rum_module.so}}
addr=${DEMO_ADDR:-127.0.0.1}
port=${DEMO_PORT:-8080}
backend_port=${DEMO_BACKEND_PORT:-8081}
live_port=${DEMO_LIVE_PORT:-8082}
redis_port=${DEMO_REDIS_PORT:-6391}
summary=${DEMO_SUMMARY:-10}
seconds=${DEMO_SECONDS:-0}
headless=${HEADLESS:-0}
stream=rum:beacons

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- checks --------------------------------------------------------------

for m in $modules; do
    [ -f "$m" ] || die "no module at $m: run 'make' first (or set RUM_MODULE)"
done
[ -x "$nginx" ] || die "no nginx at $nginx (set NGINX_BIN)"
command -v redis-server >/dev/null || die "redis-server missing: scripts/deps.sh"
command -v redis-cli >/dev/null || die "redis-cli missing: scripts/deps.sh"
command -v curl >/dev/null || die "curl missing: scripts/deps.sh"

# Debian's python3 has python3-redis; a python3 earlier in PATH may not
python=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import redis' 2>/dev/null; then python=$p; break; fi
done
[ -n "$python" ] || die "no python3 with redis-py: apt-get install python3-redis"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$backend_port" "$live_port" "$redis_port"; do
    port_busy "$p" && die "port $p is in use (set DEMO_PORT, DEMO_BACKEND_PORT, DEMO_LIVE_PORT, DEMO_REDIS_PORT)"
done

# --- cleanup -------------------------------------------------------------

tmp=
redis_pid= nginx_pid= consumer_pid= driver_pid=

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# stop the process group a part runs in (started with setsid below)
stop_group() { # pid signal seconds
    local pid=$1 sig=$2 secs=$3 i
    alive "$pid" || return 0
    kill -"$sig" -- -"$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null
    for ((i = 0; i < secs * 10; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
}

cleaned=
cleanup() {
    [ -n "$cleaned" ] && return
    cleaned=1
    trap '' INT TERM
    echo >&2
    say "stopping"
    stop_group "$driver_pid" TERM 5
    stop_group "$consumer_pid" TERM 3
    stop_group "$nginx_pid" QUIT 5            # graceful: workers flush
    if alive "$redis_pid"; then
        redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
        stop_group "$redis_pid" TERM 3
    fi
    if [ -n "$tmp" ]; then
        if [ "${DEMO_KEEP:-0}" = 1 ]; then
            say "logs kept in $tmp"
        else
            rm -rf "$tmp"
        fi
    fi
}
trap 'exit 130' INT
trap 'exit 143' TERM
trap cleanup EXIT

tmp=$(mktemp -d /tmp/rum-demo.XXXXXX) || die "mktemp failed"
chmod 755 "$tmp"                 # nginx workers run as nobody under root
mkdir -p "$tmp/logs" "$tmp/temp" "$tmp/redis"
cp -r "$root/demo/site" "$tmp/site"
chmod -R a+rX "$tmp/site"

# --- Redis ---------------------------------------------------------------

setsid redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$tmp/redis" \
    --save '' --appendonly no --maxmemory 256mb \
    --maxmemory-policy noeviction \
    --logfile "$tmp/logs/redis.log" &
redis_pid=$!

for ((i = 0; i < 50; i++)); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    alive "$redis_pid" || die "redis-server did not start: $(tail -3 "$tmp/logs/redis.log")"
    sleep 0.1
done

# --- nginx ---------------------------------------------------------------

{
    for m in $modules; do echo "load_module $m;"; done
    sed -e '/^load_module /d' \
        -e "s/127\.0\.0\.1:8080/$addr:$port/" \
        -e "s/127\.0\.0\.1:8081/127.0.0.1:$backend_port/" \
        -e "s/127\.0\.0\.1:8082/127.0.0.1:$live_port/" \
        -e "s/127\.0\.0\.1:6391/127.0.0.1:$redis_port/" \
        "$root/conf-examples/demo.conf"
} > "$tmp/nginx.conf"

if ! out=$("$nginx" -t -q -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" 2>&1); then
    printf '%s\n' "$out" >&2
    die "nginx -t failed for $tmp/nginx.conf (from conf-examples/demo.conf)"
fi

setsid "$nginx" -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" &
nginx_pid=$!

for ((i = 0; i < 50; i++)); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/rum/status" && break
    alive "$nginx_pid" || die "nginx did not start: $(tail -5 "$tmp/logs/error.log")"
    sleep 0.1
done

# --- consumer ------------------------------------------------------------

setsid "$python" -u "$root/conf-examples/consumer.py" \
    --redis "127.0.0.1:$redis_port" --stream "$stream" \
    --group demo --consumer demo-1 --start 0 \
    --claim-idle 10000 --summary "$summary" \
    --http "127.0.0.1:$live_port" &
consumer_pid=$!

shown=$addr
[ "$addr" = 0.0.0.0 ] && shown=$(hostname -f 2>/dev/null || hostname)

cat >&2 <<EOF

  RUM demo is running.

    open       http://$shown:$port/
    live       http://$shown:$port/live/   (p75 and good/poor shares, live)
    status     curl -s http://127.0.0.1:$port/rum/status
    stream     redis-cli -p $redis_port XREVRANGE $stream + - COUNT 1
    logs       $tmp/logs/   (DEMO_KEEP=1 keeps them)

  Each beacon prints a line below (time, kind, view, seq, LCP/INP/CLS,
  URL); p75 per view every $summary s, and live at /live/.  Ctrl-C stops
  everything.

EOF

# --- the headless browser -------------------------------------------------

if [ "$headless" = 1 ]; then
    driver=$root/demo/drive.mjs
    if [ "${DEMO_DRIVER:-}" != dump-dom ] && command -v node >/dev/null \
       && ! node -e "require.resolve('playwright-core',{paths:['$root/js','$root/t/browser']})" 2>/dev/null \
       && command -v npm >/dev/null && [ -f "$root/js/package-lock.json" ]
    then
        say "installing js/node_modules (playwright-core) with npm ci"
        (cd "$root/js" && npm ci --no-audit --no-fund >&2) || true
    fi
    if [ "${DEMO_DRIVER:-}" != dump-dom ] && command -v node >/dev/null \
       && node -e "require.resolve('playwright-core',{paths:['$root/js','$root/t/browser']})" 2>/dev/null
    then
        say "headless Chromium browses http://127.0.0.1:$port/ (demo/drive.mjs)"
        DEMO_URL="http://127.0.0.1:$port" setsid node "$driver" &
        driver_pid=$!
    else
        say "no playwright-core: plain 'chromium --headless --dump-dom' visits (no clicks)"
        chromium=${CHROMIUM:-/usr/bin/chromium}
        # a new profile each round: a new session, no cached pages
        setsid bash -c '
            while :; do
                rm -rf "$2/chromium"
                for p in / /product.html /slow.html /events.html; do
                    "$0" --headless --no-sandbox --disable-gpu --no-first-run \
                        --user-data-dir="$2/chromium" \
                        --virtual-time-budget=6000 --dump-dom "$1$p" \
                        >/dev/null 2>&1
                done
                sleep 2
            done' "$chromium" "http://127.0.0.1:$port" "$tmp" &
        driver_pid=$!
    fi
fi

# --- wait ------------------------------------------------------------------

start=$SECONDS
while :; do
    alive "$nginx_pid" || { say "nginx exited: $(tail -3 "$tmp/logs/error.log")"; break; }
    alive "$redis_pid" || { say "redis-server exited"; break; }
    alive "$consumer_pid" || { say "the consumer exited"; break; }
    if [ "$seconds" -gt 0 ] && [ $((SECONDS - start)) -ge "$seconds" ]; then
        break
    fi
    sleep 1 &
    wait $!
done

# a short account of what happened, then stop
len=$(redis-cli -p "$redis_port" XLEN "$stream" 2>/dev/null)
status=$(curl -fs "http://127.0.0.1:$port/rum/status")
say "stream $stream: ${len:-?} entries"
if [ -n "$status" ]; then
    printf '%s' "$status" | "$python" -c '
import json, sys
s = json.load(sys.stdin)
b, r, p = s["beacons"], s["redis"], s["pages"]
rej = sum(b["rejected"].values())
skip = ", ".join("%s %d" % kv for kv in p["skipped"].items() if kv[1]) or "none"
print("demo: status: pages injected %d (skipped: %s), beacons accepted %d, "
      "rejected %d, written to Redis %d, acknowledged %d, workers connected %d"
      % (p["injected"], skip, b["accepted"], rej, r["written"],
         r["acknowledged"], r["workers_connected"]))
' >&2 2>/dev/null || say "status: $status"
fi

stop_group "$driver_pid" TERM 5
driver_pid=
sleep 1                            # the consumer prints the last entries
stop_group "$consumer_pid" TERM 3  # and its final summary
consumer_pid=

if [ "$headless" = 1 ] && [ "${len:-0}" = 0 ]; then
    say "FAILED: the headless browser produced no stream entries"
    exit 1
fi
exit 0
