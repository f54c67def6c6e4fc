#!/bin/sh
# Builds and runs the C unit tests of the pure parts, twice each: with
# AddressSanitizer and UndefinedBehaviorSanitizer, then a plain build under
# valgrind (leaks included).  Exits non-zero on any failure.
#
#     t/unit/build.sh            from the repository root (make test-unit)
#
# BUILD (default build) is the build folder; CC the compiler (default cc).

set -eu

cd "$(dirname "$0")/../.."

CC=${CC:-cc}
OUT=${BUILD:-build}/unit
CFLAGS="-Wall -Wextra -Werror -O1 -g -Isrc"

mkdir -p "$OUT"

# name: test source, then the sources it links
run() {
    name=$1
    shift

    echo "== $name: $CC -fsanitize=address,undefined"
    $CC $CFLAGS -fsanitize=address,undefined -fno-sanitize-recover=all \
        -fno-omit-frame-pointer "$@" -lyajl -o "$OUT/${name}_asan"
    ASAN_OPTIONS=detect_leaks=1 "$OUT/${name}_asan" t/data

    if command -v valgrind >/dev/null 2>&1; then
        echo "== $name: valgrind"
        $CC $CFLAGS "$@" -lyajl -o "$OUT/$name"
        valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=all --show-leak-kinds=all \
            "$OUT/$name" t/data
    else
        echo "== $name: valgrind not installed, skipped" >&2
    fi
}

run beacon_test t/unit/beacon_test.c src/ngx_http_rum_beacon.c

run head_test t/unit/head_test.c src/ngx_http_rum_head.c

run slot_test t/unit/slot_test.c src/ngx_http_rum_slot.c -lhiredis

# the finder without its SSE2 fast path, as on other machines
if [ "$(uname -m)" = x86_64 ]; then
    echo "== head_test: $CC -mno-sse2 (the portable path)"
    $CC $CFLAGS -mno-sse -mno-sse2 t/unit/head_test.c \
        src/ngx_http_rum_head.c -o "$OUT/head_test_portable"
    "$OUT/head_test_portable" t/data
fi
