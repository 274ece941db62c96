#!/usr/bin/env bash
# The benchmark suite, from one command: `benches/run.sh` (ROUNDS=3 DURATION=8 by default).
#
# Each server runs pinned to core 0 and the load generator to core 1; the servers of one
# scenario take turns (A B A B ...) for ROUNDS rounds, and report.py writes medians and
# ratios to ../BENCHMARKS.md. Needs a quiet machine: no build or other load beside it.
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-3900}
FILE=${BENCH_FILE:-/tmp/respond-bench-64m.bin}
RESULTS=${RESULTS:-/tmp/respond-bench-results.tsv}
export BENCH_FILE=$FILE
STATIC=${BENCH_STATIC:-/tmp/respond-bench-static}
export BENCH_STATIC=$STATIC
# ONLY=static runs the static-folder scenarios alone, ONLY=tls the HTTPS ones, ONLY=files the
# single-file ones (a smoke of the harness with ROUNDS=1 DURATION=1).
ONLY=${ONLY:-all}
TLS_DIR=${BENCH_TLS_DIR:-/tmp/respond-bench-tls}
export BENCH_TLS_CERT=$TLS_DIR/cert.pem BENCH_TLS_KEY=$TLS_DIR/key.pem

install_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    python3 -c "import starlette, uvicorn" 2>/dev/null || pip install -q "starlette==1.10.0" "uvicorn[standard]"
    python3 -c "import brotli" 2>/dev/null || pip install -q brotli
}

wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "server did not listen on $PORT" >&2
    return 1
}

# The server and its children (nginx's worker, for one).
family() { echo "$1"; cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$' || true; }
# sum_over_family PID FILE AWK-PROGRAM: the program's output over /proc/<pid>/FILE, summed
# over the server and its children.
sum_over_family() {
    local total=0
    for pid in $(family "$1"); do
        total=$((total + $(awk "$3" "/proc/$pid/$2" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
cpu_ticks() { sum_over_family "$1" stat '{print $14 + $15}'; }
peak_rss_kib() { sum_over_family "$1" status '/VmHWM/ {print $2}'; }

start_server() {
    local name=$1
    case $name in
        respond|respond-tls|hyper|axum|actix)
            taskset -c 0 target/release/bench-server "$name" "127.0.0.1:$PORT" >/dev/null 2>&1 & ;;
        starlette)
            taskset -c 0 python3 -m uvicorn starlette_app:app --host 127.0.0.1 --port "$PORT" \
                --log-level warning --no-access-log >/dev/null 2>&1 & ;;
        nginx)
            mkdir -p /tmp/respond-bench-nginx
            sed -e "s|PORT|$PORT|" -e "s|FILE|$FILE|" -e "s|STATIC|$STATIC|" nginx.conf >/tmp/respond-bench-nginx.conf
            taskset -c 0 nginx -c /tmp/respond-bench-nginx.conf >/dev/null 2>&1 & ;;
        nginx-tls)
            mkdir -p /tmp/respond-bench-nginx
            sed -e "s|PORT|$PORT|" -e "s|FILE|$FILE|" -e "s|TLS_CERT|$BENCH_TLS_CERT|" \
                -e "s|TLS_KEY|$BENCH_TLS_KEY|" nginx-tls.conf >/tmp/respond-bench-nginx.conf
            taskset -c 0 nginx -c /tmp/respond-bench-nginx.conf >/dev/null 2>&1 & ;;
    esac
    SERVER_PID=$!
    wait_port
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

# run SCENARIO SERVER LOADGEN-ARGS...: one measurement, appended to $RESULTS.
measure_wrk() {
    local scenario=$1 server=$2 round=$3; shift 3
    start_server "$server"
    local before after output
    before=$(cpu_ticks "$SERVER_PID")
    output=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" 2>&1)
    after=$(cpu_ticks "$SERVER_PID")
    local rss; rss=$(peak_rss_kib "$SERVER_PID")
    stop_server
    local rps bytes
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$output")
    bytes=$(awk '/Transfer\/sec/ {print $2}' <<<"$output")
    local non2xx; non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$output")
    printf '%s\t%s\t%s\trps=%s\ttransfer=%s\tcpu_ticks=%s\trss_kib=%s\tnon2xx=%s\n' \
        "$scenario" "$server" "$round" "$rps" "$bytes" "$((after - before))" "$rss" "${non2xx:-0}" >>"$RESULTS"
    echo "$scenario $server round $round: $rps req/s, $bytes/s, rss ${rss} KiB"
}

measure_sse() {
    local scenario=$1 server=$2 round=$3 connections=$4
    start_server "$server"
    local output; output=$(taskset -c 1 target/release/bench-client sse "127.0.0.1:$PORT" "$connections" "$DURATION")
    local rss; rss=$(peak_rss_kib "$SERVER_PID")
    stop_server
    printf '%s\t%s\t%s\tevents=%s\trss_kib=%s\n' "$scenario" "$server" "$round" \
        "$(awk '{print $2}' <<<"$output")" "$rss" >>"$RESULTS"
    echo "$scenario $server round $round: $output"
}

measure_slow() {
    start_server respond
    taskset -c 1 target/release/bench-client slow "127.0.0.1:$PORT" 1000 "$DURATION" 65536 >/dev/null
    local rss; rss=$(peak_rss_kib "$SERVER_PID")
    stop_server
    printf 'slow-downloads\trespond\t1\trss_kib=%s\n' "$rss" >>"$RESULTS"
    echo "1000 slow downloads: peak rss ${rss} KiB"
}

# The static folder: a 4 KiB stylesheet, and a 200 KiB script with its gzip and Brotli
# siblings (Brotli through Python's `brotli`, installed by install_tools).
make_static() {
    mkdir -p "$STATIC"
    python3 - "$STATIC" <<'PY'
import brotli, gzip, os, sys
root = sys.argv[1]
rule = ".c%05d { color: #%06x; margin: %dpx; }\n"
css = "".join(rule % (i, i * 2654435 % 0xFFFFFF, i % 9) for i in range(200)).encode()[:4096]
open(os.path.join(root, "small.css"), "wb").write(css)
js = "".join("function f%d(a, b) { return a * %d + b - %d; }\n" % (i, i, i * 7) for i in range(5000)).encode()[:200 * 1024]
open(os.path.join(root, "app.js"), "wb").write(js)
open(os.path.join(root, "app.js.gz"), "wb").write(gzip.compress(js, 9, mtime=0))
open(os.path.join(root, "app.js.br"), "wb").write(brotli.compress(js, quality=11))
PY
}

static_scenarios() {
    local round=$1 base="http://127.0.0.1:$PORT"
    for server in respond axum actix nginx; do
        measure_wrk static-4k "$server" "$round" "$base/static/small.css"
    done
    # gzip: the coding all four can send precompressed (actix-files sends the script itself).
    for server in respond axum actix nginx; do
        measure_wrk static-precompressed-200k "$server" "$round" -c4 -H "Accept-Encoding: gzip" "$base/static/app.js"
    done
}

# One file by path (respond's FileResponse, tower-http's ServeFile, actix-files' NamedFile,
# Starlette's FileResponse, nginx with its open_file_cache on; raw hyper as the floor of a file
# response on hyper, see bench-server): the 64 MiB file whole, a 4 KiB file whole, random 1 KiB
# ranges of the 64 MiB file.
file_scenarios() {
    local round=$1 base="http://127.0.0.1:$PORT"
    for server in respond axum actix starlette nginx; do
        measure_wrk file-whole "$server" "$round" -c4 "$base/file"
    done
    for server in respond hyper axum actix starlette nginx; do
        measure_wrk file-4k "$server" "$round" "$base/small"
    done
    for server in respond hyper axum actix starlette nginx; do
        measure_wrk file-range-1k "$server" "$round" -s range.lua "$base/file"
    done
}

# One ECDSA P-256 certificate for localhost, served by respond and nginx alike.
make_tls_cert() {
    [ -s "$BENCH_TLS_CERT" ] && [ -s "$BENCH_TLS_KEY" ] && return
    mkdir -p "$TLS_DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$BENCH_TLS_KEY" -out "$BENCH_TLS_CERT" 2>/dev/null
}

# HTTPS against nginx, same certificate, TLS 1.3 TLS_AES_256_GCM_SHA384 over X25519 on both:
# keep-alive plain responses, a new connection (full handshake) per request, a 64 MiB file.
tls_scenarios() {
    local round=$1 base="https://127.0.0.1:$PORT"
    for server in respond-tls nginx-tls; do
        measure_wrk tls-keepalive-plain "$server" "$round" "$base/plain"
    done
    for server in respond-tls nginx-tls; do
        measure_wrk tls-handshake "$server" "$round" -H "Connection: close" "$base/plain"
    done
    for server in respond-tls nginx-tls; do
        measure_wrk tls-file-64m "$server" "$round" -c4 "$base/file"
    done
}

main() {
    install_tools
    cargo build --release --bins
    [ -s "$FILE" ] || head -c $((64 * 1024 * 1024)) /dev/urandom >"$FILE"
    make_static
    make_tls_cert
    ulimit -n 65536 2>/dev/null || true
    : >"$RESULTS"
    local base="http://127.0.0.1:$PORT"
    if [ "$ONLY" = tls ]; then
        for round in $(seq 1 "$ROUNDS"); do tls_scenarios "$round"; done
        python3 report.py "$RESULTS"
        return
    fi
    if [ "$ONLY" = files ]; then
        for round in $(seq 1 "$ROUNDS"); do file_scenarios "$round"; done
        python3 report.py "$RESULTS"
        return
    fi
    if [ "$ONLY" = static ]; then
        for round in $(seq 1 "$ROUNDS"); do static_scenarios "$round"; done
        python3 report.py "$RESULTS"
        return
    fi
    for round in $(seq 1 "$ROUNDS"); do
        static_scenarios "$round"
        tls_scenarios "$round"
        for server in respond hyper axum actix starlette; do
            measure_wrk plain "$server" "$round" "$base/plain"
        done
        for server in respond hyper axum actix starlette; do
            measure_wrk json "$server" "$round" "$base/json"
        done
        file_scenarios "$round"
        for server in respond axum; do
            measure_sse sse-1 "$server" "$round" 1
            measure_sse sse-1000 "$server" "$round" 1000
        done
    done
    measure_slow
    python3 report.py "$RESULTS" >../BENCHMARKS.md
    echo "wrote BENCHMARKS.md"
}

main "$@"
