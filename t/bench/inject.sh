#!/bin/bash
# The cost of injection: pages of 2 KB, 30 KB and 300 KB proxied from a
# backend nginx (a separate process, static files) by a front nginx that
# either proxies them plainly (the floor), injects with nginx's own
# sub_filter (what users do without the module), or injects with rum on.
#
#   1. CPU instructions per request in the front nginx: callgrind, one
#      process (master_process off), a run of N requests minus a run of none;
#   2. requests per second with wrk, side by side;
#   3. peak worker memory (VmHWM) for a 3 MB page and a 30 KB page.
#
#     t/bench/inject.sh [N]        (from the repository root; make bench)
#
# Env: MODULE (the .so, default build/nginx/objs/ngx_http_rum_module.so),
# NGINX_BIN (/usr/sbin/nginx), WRK_SECONDS (3), PORT (18480, uses 4 ports),
# SIZES ("2 30 300"), QUICK (1: callgrind only, no wrk nor memory).

set -eu

cd "$(dirname "$0")/../.."

# shellcheck source=t/bench/lib.sh
. t/bench/lib.sh

N=${1:-200}
MODULE=${MODULE:-$PWD/${BUILD:-build}/nginx/objs/ngx_http_rum_module.so}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
WRK_SECONDS=${WRK_SECONDS:-3}
PORT=${PORT:-18480}
SIZES=${SIZES:-2 30 300}
QUICK=${QUICK:-}
BACK=$((PORT + 1))
FRONT=$PORT

# one server per variant, each with "location /": the same request line and
# location lookup for all three, so that only the module's work differs
declare -A VPORT=([plain]=$PORT [sub]=$((PORT + 2)) [rum]=$((PORT + 3)))

[ -f "$MODULE" ] || { echo "inject.sh: no module at $MODULE" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "inject.sh: valgrind needed" >&2; exit 1; }

DIR=$(mktemp -d /tmp/rum-bench-inject.XXXXXX)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    sleep 0.3
    [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/html" "$DIR/logs" "$DIR/back/logs" "$DIR/cg"

# ---- pages: a realistic head, then body rows up to the size

perl -e '
    my ($dir) = @ARGV;
    my $head = qq{<!DOCTYPE html>\n<html lang="en"><head>\n<meta charset="utf-8">\n}
        . qq{<meta name="viewport" content="width=device-width, initial-scale=1">\n}
        . qq{<title>A product page</title>\n}
        . qq{<link rel="stylesheet" href="/static/css/main.4f2a9c.css">\n}
        . qq{<link rel="preload" href="/static/fonts/inter.woff2" as="font" crossorigin>\n}
        . qq{<script src="/static/js/vendor.8e1b2d.js" defer></script>\n}
        . qq{<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>\n}
        . qq{<style>body{margin:0;font-family:Inter,sans-serif}.row{padding:4px}</style>\n}
        . qq{</head>\n<body>\n};
    for my $kb (2, 30, 300, 3000) {
        my $page = $head;
        my $i = 0;
        while (length($page) < $kb * 1024 - 20) {
            $page .= qq{<div class="row"><a href="/item/$i">Item $i</a> <span>\$} . ($i % 97) . qq{.99</span></div>\n};
            $i++;
        }
        $page .= "</body></html>\n";
        open my $f, ">", "$dir/html/p$kb.html" or die; print $f $page; close $f;
    }
' "$DIR"

# ---- the backend: plain static files, its own process

cat > "$DIR/back/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
error_log $DIR/back/logs/error.log warn;
pid $DIR/back/logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    default_type text/html;
    server {
        listen 127.0.0.1:$BACK;
        root $DIR/html;
    }
}
EOF

"$NGINX_BIN" -p "$DIR/back/" -c "$DIR/back/nginx.conf" -e "$DIR/back/logs/error.log" &
PIDS+=($!)

# ---- the front: one location per variant

front_conf() {
    local master=$1
    cat > "$DIR/nginx.conf" <<EOF
load_module $MODULE;
worker_processes 1;
daemon off;
master_process $master;
error_log $DIR/logs/error.log warn;
pid $DIR/logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    default_type text/html;
    upstream back {
        server 127.0.0.1:$BACK;
        keepalive 16;
    }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    server {
        listen 127.0.0.1:${VPORT[plain]};
        location / {
            proxy_pass http://back;
        }
    }
    server {
        listen 127.0.0.1:${VPORT[sub]};
        location / {
            proxy_set_header Accept-Encoding "";
            sub_filter '</head>' '<script>(function(w,d,s,u,o){var c=w[o]=w[o]||{};s=d.createElement(s);s.async=1;s.src=u;d.head.appendChild(s)})(window,document,"script","/rum","CRUM")</script></head>';
            proxy_pass http://back;
        }
    }
    server {
        listen 127.0.0.1:${VPORT[rum]};
        location / {
            rum on;
            rum_document_policy off;
            proxy_pass http://back;
        }
    }
}
EOF
}

wait_port() {
    for _ in $(seq 1 200); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    echo "inject.sh: nothing listens on $1" >&2
    exit 1
}

wait_port "$BACK"

# ---- 1. callgrind: instructions per request

callgrind_run() {    # variant size n -> total instructions
    local out="$DIR/cg/$1-$2-$3.out" pid
    front_conf off
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$NGINX_BIN" -p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log" \
        2>"$DIR/cg/$1-$2-$3.log" &
    pid=$!
    wait_port "$FRONT" >/dev/null
    if [ "$3" -gt 0 ]; then
        local urls=()
        for _ in $(seq 1 "$3"); do
            urls+=(-o /dev/null "http://127.0.0.1:${VPORT[$1]}/p$2.html")
        done
        curl -s "${urls[@]}"
    fi
    stop "$pid"
    wait "$pid" 2>/dev/null || true
    awk '/^summary:/ { print $2 }' "$out"
}

# the readiness probe costs one request (a 404 through proxy_pass); every
# run has it, the subtraction removes it
base=$(callgrind_run plain 2 0)

declare -A IR
for size in $SIZES; do
    for v in plain sub rum; do
        total=$(callgrind_run "$v" "$size" "$N")
        IR[$v-$size]=$(( (total - base) / N ))
    done
done

# ---- 2. wrk: requests per second

front_conf on
"$NGINX_BIN" -p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log" &
PIDS+=($!)
wait_port "$FRONT"

declare -A RPS
if [ -z "$QUICK" ] && command -v wrk >/dev/null; then
    for size in $SIZES; do
        for v in plain sub rum; do
            RPS[$v-$size]=$(wrk -t1 -c8 -d"${WRK_SECONDS}s" \
                "http://127.0.0.1:${VPORT[$v]}/p$size.html" 2>/dev/null \
                | awk '/^Requests\/sec/ { printf "%d", $2 }')
        done
    done
fi

# check the injected pages really carry one snippet
for size in $SIZES; do
    for v in sub rum; do
        n=$(curl -s "http://127.0.0.1:${VPORT[$v]}/p$size.html" | grep -o '"CRUM")</script>' | wc -l)
        [ "$n" = 1 ] || echo "inject.sh: WARNING: $v p$size.html has $n snippets" >&2
    done
done

kill -QUIT "$(cat "$DIR/logs/nginx.pid")"
sleep 0.5

# ---- 3. peak worker memory: a 3 MB page vs a 30 KB page

hwm() {    # size -> VmHWM of the worker after 20 requests, in kB
    front_conf on
    "$NGINX_BIN" -p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log" &
    local master=$!
    wait_port "$FRONT" >/dev/null
    local worker
    worker=$(pgrep -P "$master" | head -1)
    for _ in $(seq 1 20); do
        curl -s -o /dev/null "http://127.0.0.1:${VPORT[rum]}/p$1.html"
    done
    awk '/^VmHWM/ { print $2 }' "/proc/$worker/status"
    kill -QUIT "$master"
    wait "$master" 2>/dev/null || true
}

if [ -z "$QUICK" ]; then
    hwm30=$(hwm 30)
    hwm3000=$(hwm 3000)
fi

# ---- the table

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }'; }

echo
echo "injection: front nginx instructions per request (callgrind, N=$N), requests/s (wrk ${WRK_SECONDS}s, 8 conns)"
printf '%-6s | %12s %12s %9s | %12s %9s | %8s %8s %8s\n' \
    size plain sub_filter vs_plain rum vs_plain "rps:pl" "rps:sub" "rps:rum"
for size in $SIZES; do
    p=${IR[plain-$size]} s=${IR[sub-$size]} r=${IR[rum-$size]}
    printf '%-6s | %12d %12d %9s | %12d %9s | %8s %8s %8s\n' "${size}KB" \
        "$p" "$s" "$(pct "$s" "$p")" "$r" "$(pct "$r" "$p")" \
        "${RPS[plain-$size]:-}" "${RPS[sub-$size]:-}" "${RPS[rum-$size]:-}"
done
echo
[ -n "$QUICK" ] ||
    echo "peak worker memory (VmHWM) with rum on: 30 KB page ${hwm30} kB, 3 MB page ${hwm3000} kB"
