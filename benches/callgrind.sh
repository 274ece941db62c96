#!/usr/bin/env bash
# Instructions per request of one server under load, counted by callgrind (a stable figure on a
# noisy machine, where CPU time is not): `benches/callgrind.sh BIN KIND ROUTE OUT [wrk args]`.
#
# Starts `BIN KIND 127.0.0.1:PORT` (a build of `bench-server`) under valgrind, drives it with
# `wrk -t1 -c4 -d8s`, stops it, and prints the program's instructions over the requests wrk
# completed (start-up included, negligible). `callgrind_annotate OUT` then shows where they go.
# Example: benches/callgrind.sh benches/target/release/bench-server respond /small /tmp/cg.small
# valgrind 3.19 lacks `openat2`: under it, `StaticFiles` and the open-file fast path take the
# blocking pool, so profile `/static/...` with benches/ab.sh instead.
set -euo pipefail
BIN=$1; KIND=$2; ROUTE=$3; OUT=$4; shift 4
PORT=${PORT:-3977}
valgrind --tool=callgrind --callgrind-out-file="$OUT" "$BIN" "$KIND" "127.0.0.1:$PORT" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
    sleep 0.1
done
requests=$(wrk -t1 -c4 -d8s "$@" "http://127.0.0.1:$PORT$ROUTE" 2>&1 | awk '/requests in/ {print $1}')
kill -INT "$pid"; sleep 0.5; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
total=$(callgrind_annotate "$OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "$KIND $ROUTE requests=$requests instructions=$total per_request=$((total / requests))"
