#!/bin/sh
# Builds a libFuzzer target and runs it over its corpus.
#
#     t/fuzz/run.sh TARGET [RUNS] [extra libFuzzer options...]
#
# TARGET is beacon, head, ...: t/fuzz/TARGET_fuzz.c plus the sources listed
# below, built with clang into $BUILD/fuzz/ (BUILD defaults to build) and run
# over t/fuzz/corpus/TARGET/ with -runs=RUNS (default 20000), with the
# dictionary t/fuzz/TARGET.dict when there is one.  New inputs go
# to $BUILD/fuzz/corpus-TARGET/, never into the committed seeds; a crash is
# left in $BUILD/fuzz/ and makes the script exit non-zero.
#
#     t/fuzz/run.sh beacon 0 -max_total_time=120      fuzz for two minutes

set -eu

cd "$(dirname "$0")/../.."

if [ $# -lt 1 ]; then
    echo "usage: $0 TARGET [RUNS] [libFuzzer options]" >&2
    exit 2
fi

TARGET=$1
RUNS=${2:-20000}
[ $# -ge 2 ] && shift 2 || shift 1

# TARGET -> its sources and libraries
case $TARGET in
    beacon) SRCS="src/ngx_http_rum_beacon.c"; LIBS="-lyajl" ;;
    head)   SRCS="src/ngx_http_rum_head.c";   LIBS="" ;;
    spool)  SRCS="src/ngx_http_rum_spool_check.c"; LIBS="-lz" ;;
    slot)   SRCS="src/ngx_http_rum_slot.c"; LIBS="-lhiredis" ;;
    *)      echo "$0: unknown target \"$TARGET\"" >&2; exit 2 ;;
esac

CLANG=${CLANG:-clang}
OUT=${BUILD:-build}/fuzz
BIN=$OUT/${TARGET}_fuzz
SEEDS=t/fuzz/corpus/$TARGET
WORK=$OUT/corpus-$TARGET

mkdir -p "$OUT" "$WORK"

$CLANG -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -Isrc \
    "t/fuzz/${TARGET}_fuzz.c" $SRCS $LIBS -o "$BIN"

# -runs=0 with a time limit means: until the time is up
if [ "$RUNS" = 0 ]; then
    RUNS_OPT=
else
    RUNS_OPT=-runs=$RUNS
fi

DICT=
if [ -f "t/fuzz/$TARGET.dict" ]; then
    DICT=-dict=t/fuzz/$TARGET.dict
fi

"$BIN" $RUNS_OPT $DICT -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$OUT/$TARGET-" -print_final_stats=1 "$@" \
    "$WORK" "$SEEDS"
