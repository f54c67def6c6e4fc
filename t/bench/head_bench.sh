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

count() {
    count_instructions "$OUT/callgrind.out" "$OUT/head_bench" "$@"
}

[ $# -gt 0 ] || set -- t/data/page-2k.html

for file in "$@"; do
    base=$(count "$file" 0)
    total=$(count "$file" $N)
    "$OUT/head_bench" "$file" 1 | sed "s|^|$file: |"
    echo "$file: $(( (total - base) / N )) instructions per page"
done
