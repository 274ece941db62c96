#!/usr/bin/env bash
# Interleaved A/B of server binaries on one route: `benches/ab.sh ROUNDS SECONDS PATH BIN:KIND...`
#
# Each BIN is a build of `bench-server` (copy `target/release/bench-server` aside before and
# after a change) started as `BIN KIND` pinned to core 0, with wrk on core 1 (64 connections);
# the servers take turns for ROUNDS rounds, and the median server CPU per request (utime +
# stime ticks from /proc over wrk's request count) and req/s are printed per BIN:KIND.
# Example: benches/ab.sh 5 5 /plain /tmp/before:respond /tmp/after:respond /tmp/after:hyper
# WRK_ARGS replaces `-c64` (e.g. WRK_ARGS='-c4 -H "Accept-Encoding: gzip"').
set -euo pipefail
ROUNDS=$1; DURATION=$2; ROUTE=$3; shift 3
PORT=${PORT:-3950}
TICKS=$(getconf CLK_TCK)
eval "EXTRA=(${WRK_ARGS:--c64})"
RESULTS=$(mktemp)
for _ in $(seq 1 "$ROUNDS"); do
    for spec in "$@"; do
        bin=${spec%%:*}; kind=${spec##*:}
        taskset -c 0 "$bin" "$kind" "127.0.0.1:$PORT" >/dev/null 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do
            (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
            sleep 0.05
        done
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        output=$(taskset -c 1 wrk -t1 "${EXTRA[@]}" -d"${DURATION}s" "http://127.0.0.1:$PORT$ROUTE" 2>&1)
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        kill "$pid"; wait "$pid" 2>/dev/null || true
        requests=$(awk '/requests in/ {print $1}' <<<"$output")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$output")
        echo "$spec $rps $(( (after - before) )) $requests" >>"$RESULTS"
    done
done
python3 - "$RESULTS" "$TICKS" <<'PY'
import collections, statistics, sys
cpu, rps = collections.defaultdict(list), collections.defaultdict(list)
ticks = int(sys.argv[2])
for line in open(sys.argv[1]):
    spec, rate, used, requests = line.split()
    cpu[spec].append(int(used) / ticks * 1e6 / int(requests))
    rps[spec].append(float(rate))
for spec in cpu:
    print(f"{spec:45s} CPU per request {statistics.median(cpu[spec]):.2f} µs  "
          f"req/s {statistics.median(rps[spec]):,.0f}  runs {[round(v, 2) for v in cpu[spec]]}")
PY
rm -f "$RESULTS"
