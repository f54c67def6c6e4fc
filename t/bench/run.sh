#!/bin/bash
# make bench: every benchmark, one after the other (they share ports).
#   BENCH="ingest cluster inject floor head beacon client compare" selects some.
set -eu
cd "$(dirname "$0")/../.."

for b in ${BENCH:-ingest cluster inject floor head beacon client compare}; do
    echo "==== $b"
    case $b in
    ingest) t/bench/ingest.sh ;;
    cluster) t/bench/cluster.sh ;;
    inject) t/bench/inject.sh ;;
    floor)  t/bench/floor.sh ;;
    head)   t/bench/head_bench.sh ;;
    beacon) t/bench/beacon_bench.sh ;;
    client) (cd js && (test -d node_modules || npm ci --no-audit --no-fund) \
             && node ../t/bench/client.mjs) ;;
    compare) (cd js && (test -d node_modules || npm ci --no-audit --no-fund) \
             && node ../t/bench/client-compare.mjs) ;;
    esac
done
