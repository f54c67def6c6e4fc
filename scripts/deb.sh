#!/bin/bash
# make deb: builds build-deb/libnginx-mod-http-rum_VERSION_ARCH.deb against
# Debian's nginx-dev, with debian/ (dh and nginx-dev's nginx sequence, as
# Debian builds its libnginx-mod-* packages), from a copy of the sources
# the module needs, so that the tree stays clean.
#
#   scripts/deb.sh            build
#   scripts/deb.sh --test     install it into the system nginx, check that a
#                             page gets the snippet and a beacon reaches
#                             Redis, then remove it (KEEP_DEB=1 keeps it)

set -eu

cd "$(dirname "$0")/.."

OUT=${OUT:-build-deb}
root=$PWD

build() {
    local src="$OUT/libnginx-mod-http-rum"

    rm -rf "$OUT"
    mkdir -p "$src"
    cp -r config ngx_http_rum_module.c src debian README.md "$src/"

    (cd "$src" && dpkg-buildpackage -b -us -uc)

    ls "$OUT"/libnginx-mod-http-rum_*.deb
}

run_test() {
    local deb port rport n i

    deb=$(ls "$root/$OUT"/libnginx-mod-http-rum_*.deb)
    dir=$(mktemp -d /tmp/rum-deb.XXXXXX)
    chmod 755 "$dir"
    port=$((20000 + RANDOM % 20000))
    rport=$((port + 1))

    cleanup() {
        [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null
        [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null
        if [ -z "${KEEP_DEB:-}" ]; then
            apt-get purge -y -q libnginx-mod-http-rum >/dev/null || true
        fi
        rm -rf "$dir"
    }
    trap cleanup EXIT

    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "$deb"

    test -f /usr/lib/nginx/modules/ngx_http_rum_module.so
    grep -qx 'load_module modules/ngx_http_rum_module.so;' \
        /usr/share/nginx/modules-available/mod-http-rum.conf
    test -L /etc/nginx/modules-enabled/50-mod-http-rum.conf

    redis-server --port "$rport" --bind 127.0.0.1 --save '' \
        --daemonize yes --pidfile "$dir/redis.pid" \
        --logfile "$dir/redis.log"

    mkdir -p "$dir/html" "$dir/logs"
    # load_module paths are relative to the prefix, /usr/share/nginx
    ln -s /usr/lib/nginx/modules "$dir/modules"
    printf '<html><head><title>deb</title></head><body>hi</body></html>\n' \
        > "$dir/html/index.html"

    # the modules the system enables, as Debian's own nginx.conf loads them
    cat > "$dir/nginx.conf" <<END
include /etc/nginx/modules-enabled/*.conf;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events {}
http {
    access_log off;
    include /etc/nginx/mime.types;
    rum_redis 127.0.0.1:$rport;
    server {
        listen 127.0.0.1:$port;
        root $dir/html;
        location / {
            rum on;
        }
        location = /rum {
            rum_endpoint;
        }
    }
}
END

    nginx -p "$dir" -c "$dir/nginx.conf" -t
    nginx -p "$dir" -c "$dir/nginx.conf"

    for i in $(seq 1 50); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
    done

    curl -sf "http://127.0.0.1:$port/index.html" | grep -q '"/rum","CRUM")' \
        || { echo "deb: no snippet in the page" >&2; exit 1; }

    curl -sf -o /dev/null "http://127.0.0.1:$port/rum" \
        || { echo "deb: the client is not served" >&2; exit 1; }

    test "$(curl -s -o /dev/null -w '%{http_code}' \
                 --data-binary '{"id":"deb-1"}' \
                 "http://127.0.0.1:$port/rum")" = 204

    for i in $(seq 1 50); do
        n=$(redis-cli -p "$rport" XLEN rum:beacons)
        [ "$n" = 1 ] && break
        sleep 0.1
    done

    if [ "$n" != 1 ]; then
        echo "deb: the beacon did not reach Redis" >&2
        cat "$dir/logs/error.log" >&2
        exit 1
    fi

    echo "deb: $(basename "$deb") installed; nginx $(nginx -v 2>&1 \
        | sed 's/.*\///') loads it from modules-enabled; a page got the" \
        "snippet, a beacon reached Redis"
}

case "${1:-}" in
    --test) run_test ;;
    *)      build ;;
esac
