#!/bin/bash
# Installs the Debian packages that the build, the tests and the demo need,
# when some are missing.  --check-build: only checks what building the
# module needs, and says what to install (building never changes the
# system; make deps, make demo and make test install).
set -e

build_pkgs="gcc make nginx-dev libyajl-dev libhiredis-dev zlib1g-dev
            libpcre2-dev libssl-dev"
run_pkgs="nginx redis-server redis-tools curl python3-redis"
test_pkgs="perl libtest-base-perl libwww-perl libipc-run-perl
           libtext-diff-perl liblist-moreutils-perl libtest-longstring-perl
           valgrind clang libclang-rt-14-dev chromium wrk
           libnginx-mod-http-lua lua-cjson lua-nginx-redis
           libgd-dev libxslt1-dev libgeoip-dev libperl-dev zopfli
           dpkg-dev debhelper ngtcp2-client"

case "$1" in
    --check-build) pkgs="$build_pkgs" ;;
    *)             pkgs="$build_pkgs $run_pkgs $test_pkgs" ;;
esac

missing=
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q 'install ok installed'
    then
        missing="$missing $p"
    fi
done

# Node.js: the machine's own when it has one (npm is needed for the client)
if [ "$1" != --check-build ] && ! command -v npm >/dev/null; then
    missing="$missing nodejs npm"
fi

[ -z "$missing" ] && exit 0

if [ "$1" = --check-build ]; then
    echo "missing Debian packages:$missing" >&2
    echo "install them (apt-get install$missing) or run: make deps" >&2
    exit 1
fi

echo "deps: installing$missing"

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends $missing
