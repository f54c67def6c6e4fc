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

count() {
    count_instructions "$OUT/callgrind.out" "$OUT/beacon_bench" "$@"
}

[ $# -gt 0 ] || set -- t/data/beacon-8.json

for file in "$@"; do
    size=$(wc -c < "$file")

    for mode in parse yajl yajl-novalidate; do
        base=$(count "$file" 0 $mode)
        total=$(count "$file" $N $mode)
        echo "$file ($size bytes) $mode: $(( (total - base) / N )) instructions per parse"
    done
done
