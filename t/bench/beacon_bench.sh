#!/bin/sh
# Instructions per beacon parse, counted by callgrind: the parser with the
# default rules against a bare yajl parse of the same body.
#
#     t/bench/beacon_bench.sh [FILE...]      (default t/data/beacon-8.json)

set -eu

cd "$(dirname "$0")/../.."

OUT=${BUILD:-build}/bench
N=1000

mkdir -p "$OUT"

${CC:-cc} -O2 -g -Isrc t/bench/beacon_bench.c src/ngx_http_rum_beacon.c \
    -lyajl -o "$OUT/beacon_bench"

# shellcheck source=t/bench/lib.sh
. t/bench/lib.sh

[ $# -gt 0 ] || set -- t/data/beacon-8.json

for file in "$@"; do
    size=$(wc -c < "$file")

    for mode in parse yajl yajl-novalidate; do
        echo "$file ($size bytes) $mode:" \
             "$(per_call "$OUT/callgrind.out" $N "$OUT/beacon_bench" \
                         "$file" $mode) instructions per parse"
    done
done
