#!/usr/bin/env bash
# Soak test: the showcase (release build, pinned to core 0) under the mixed load of `soak`
# (core 1) for SOAK_SECONDS (default 300), sampling the server's RSS every 10 s.
# `benches/soak.sh`; prints the soak client's counts and the RSS samples.
# `ATTACK=1 benches/soak.sh` adds hostile clients (silent and idle sockets, trickled bodies,
# HTTP/2 PING floods and rapid resets) and runs the showcase with 2 s timeouts, so the
# attackers are closed and reconnect many times; ordinary clients must still see no error.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_TOTAL=${SOAK_SECONDS:-300}
CONCURRENCY=${CONCURRENCY:-32}
PORT=${PORT:-3950}
SHOWCASE_ARGS=()
SOAK_ARGS=()
if [ "${ATTACK:-0}" = 1 ]; then
    SHOWCASE_ARGS=(--timeouts 2 --max-connections 1024)
    SOAK_ARGS=(attack)
fi
(cd .. && cargo build --release --example showcase --quiet)
cargo build --release --bin soak --quiet
taskset -c 0 ../target/release/examples/showcase --addr "127.0.0.1:$PORT" "${SHOWCASE_ARGS[@]}" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 1
taskset -c 1 target/release/soak "127.0.0.1:$PORT" "$SECONDS_TOTAL" "$CONCURRENCY" ../examples/static "${SOAK_ARGS[@]}" &
CLIENT=$!
samples=()
while kill -0 "$CLIENT" 2>/dev/null; do
    samples+=("$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")")
    sleep 10
done
wait "$CLIENT"
status=$?
echo "rss_kib_samples ${samples[*]}"
echo "peak_rss_kib $(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")"
exit $status
