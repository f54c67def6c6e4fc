#!/bin/sh
# Instructions per page for the </head> finder alone, counted by callgrind
# (the page in one piece, as when its head is in the first buffer).
#
#     t/bench/head_bench.sh [FILE...]      (default t/data/page-2k.html)

set -eu

cd "$(dirname "$0")/../.."

OUT=${BUILD:-build}/bench
N=1000

mkdir -p "$OUT"

${CC:-cc} -O2 -g -Isrc t/bench/head_bench.c src/ngx_http_rum_head.c \
    -o "$OUT/head_bench"

# shellcheck source=t/bench/lib.sh
. t/bench/lib.sh

[ $# -gt 0 ] || set -- t/data/page-2k.html

# the widest vectors the CPU has, then SSE2's
for file in "$@"; do
    for width in 0 16; do
        echo "$file:" \
             "$(per_call "$OUT/callgrind.out" $N "$OUT/head_bench" \
                         "$file" $width) instructions per page," \
             "$("$OUT/head_bench" "$file" 1 $width)"
    done
done
