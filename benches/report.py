"""Turns the results of run.sh into BENCHMARKS.md: medians, ratios, and how to rerun."""
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

DURATION = float(os.environ.get("DURATION", "8"))
TICKS = os.sysconf("SC_CLK_TCK")
UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def size(text):
    for unit in ("GB", "MB", "KB", "B"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * UNITS[unit]
    return float(text or 0)


def load(path):
    rows = defaultdict(list)
    for line in open(path):
        scenario, server, _round, *fields = line.rstrip("\n").split("\t")
        values = dict(field.split("=", 1) for field in fields)
        rows[(scenario, server)].append(values)
    return rows


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def command(args):
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        return (done.stdout.strip() or done.stderr.strip()).splitlines()[0]
    except (OSError, IndexError):
        return "n/a"


def main(path):
    rows = load(path)
    out = []
    out.append("# Benchmarks\n")
    out.append("Produced by `benches/run.sh` (this file is overwritten by each run). Each server is pinned "
               "to core 0 and the load generator to core 1; servers take turns (A B A B) for several "
               f"rounds of {DURATION:.0f} s; tables show medians. This is a shared 2-core machine: "
               "read ratios, not absolute figures.\n")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    out.append(f"- machine: {platform.machine()}, {os.cpu_count()} cores, {cpu}")
    out.append(f"- {command(['rustc', '--version'])}; {command(['wrk', '--version'])}; "
               f"{command(['nginx', '-v'])}; Python {platform.python_version()}")
    out.append("- command: `ROUNDS=3 DURATION=8 benches/run.sh`\n")

    def table(title, scenarios, servers, reference, note):
        out.append(f"## {title}\n")
        out.append(note + "\n")
        out.append("| scenario | server | req/s | transfer/s | server CPU per request | peak RSS | vs " + reference + " |")
        out.append("|---|---|---:|---:|---:|---:|---:|")
        for scenario in scenarios:
            ref = rows.get((scenario, reference))
            ref_rps = median([float(r["rps"]) for r in ref]) if ref else None
            for server in servers:
                data = rows.get((scenario, server))
                if not data:
                    continue
                rps = median([float(r["rps"]) for r in data if r.get("rps")])
                transfer = median([size(r.get("transfer", "")) for r in data])
                cpu_us = median([int(r["cpu_ticks"]) / TICKS / max(float(r["rps"]) * DURATION, 1) * 1e6 for r in data if r.get("rps")])
                rss = median([int(r["rss_kib"]) for r in data if r.get("rss_kib")])
                ratio = f"{rps / ref_rps:.2f}" if rps and ref_rps else "-"
                cpu = f"{cpu_us:.1f} µs" if cpu_us else "-"
                out.append(f"| {scenario} | {server} | {rps:,.0f} | {transfer / 1024**2:,.1f} MiB | {cpu} | {rss / 1024:.1f} MiB | {ratio} |")
        out.append("")

    table("Plain text and JSON (HTTP/1.1, 64 connections)", ["plain", "json"],
          ["respond", "hyper", "axum", "actix", "starlette"], "hyper",
          "Raw hyper is a minimal `service_fn` written for the bench: the floor respond builds on.")
    table("Files: a 64 MiB file whole (4 connections), a 4 KiB file whole and random 1 KiB ranges of the "
          "64 MiB file (64 connections)",
          ["file-whole", "file-4k", "file-range-1k"], ["respond", "hyper", "axum", "actix", "starlette", "nginx"],
          "nginx",
          "axum serves the file with tower-http `ServeFile`, actix with actix-files `NamedFile`; nginx uses "
          "sendfile and `open_file_cache` (re-stat every 60 s), respond its `OpenFileCache` (a `statx` of "
          "the path on every request). Raw hyper is the floor of a file response on hyper, written for the "
          "bench: the file opened once, a `statx` of its path and one `pread` per request, no validators.")

    table("Static folders: a 4 KiB file (64 connections) and a precompressed 200 KiB script (4 connections, gzip)",
          ["static-4k", "static-precompressed-200k"], ["respond", "axum", "actix", "nginx"], "nginx",
          "respond `StaticFiles`, axum with tower-http `ServeDir` (precompressed gzip and br), actix-files `Files` "
          "(no precompressed siblings: it sends the 200 KiB script itself), nginx `try_files` with `gzip_static on`.")

    tls_rows = [(scenario, server) for scenario in ("tls-keepalive-plain", "tls-handshake", "tls-file-64m")
                for server in ("respond-tls", "nginx-tls") if rows.get((scenario, server))]
    if tls_rows:
        out.append("## HTTPS against nginx\n")
        out.append("Both servers present the same ECDSA P-256 certificate and use TLS 1.3 "
                   "`TLS_AES_256_GCM_SHA384` over X25519 with no session resumption; nginx has no sendfile "
                   "(TLS is encrypted in user space on both sides). Keep-alive plain text (64 connections), a "
                   "new connection and full handshake per request (`Connection: close`, 64 connections), "
                   "the 64 MiB file whole (4 connections).\n")
        out.append("| scenario | server | req/s | transfer/s | server CPU per request | server CPU per GiB | vs nginx |")
        out.append("|---|---|---:|---:|---:|---:|---:|")
        for scenario, server in tls_rows:
            data = rows[(scenario, server)]
            ref = rows.get((scenario, "nginx-tls"))
            ref_rps = median([float(r["rps"]) for r in ref if r.get("rps")]) if ref else None
            rps = median([float(r["rps"]) for r in data if r.get("rps")])
            transfer = median([size(r.get("transfer", "")) for r in data])
            cpu_us = median([int(r["cpu_ticks"]) / TICKS / max(float(r["rps"]) * DURATION, 1) * 1e6 for r in data if r.get("rps")])
            per_gib = median([int(r["cpu_ticks"]) / TICKS / max(size(r.get("transfer", "")) * DURATION / 1024**3, 1e-9) for r in data])
            ratio = f"{rps / ref_rps:.2f}" if rps and ref_rps else "-"
            gib = f"{per_gib:.2f} s" if scenario == "tls-file-64m" and per_gib else "-"
            out.append(f"| {scenario} | {server} | {rps or 0:,.0f} | {(transfer or 0) / 1024**2:,.1f} MiB | "
                       f"{cpu_us or 0:.1f} µs | {gib} | {ratio} |")
        out.append("")
    out.append("## Server-sent events\n")
    out.append("| clients | server | events/s | peak RSS | vs axum |")
    out.append("|---|---|---:|---:|---:|")
    for scenario, clients in (("sse-1", 1), ("sse-1000", 1000)):
        ref = median([float(r["events"]) for r in rows.get((scenario, "axum"), [])])
        for server in ("respond", "axum"):
            data = rows.get((scenario, server), [])
            events = median([float(r["events"]) for r in data])
            rss = median([int(r["rss_kib"]) for r in data])
            if events is None:
                continue
            ratio = f"{events / ref:.2f}" if ref else "-"
            out.append(f"| {clients} | {server} | {events:,.0f} | {rss / 1024:.1f} MiB | {ratio} |")
    out.append("")
    slow = rows.get(("slow-downloads", "respond"))
    if slow:
        out.append("## Memory under 1,000 slow downloads\n")
        out.append(f"respond serving the 64 MiB file to 1,000 clients reading 64 KiB/s each: peak RSS "
                   f"{int(slow[0]['rss_kib']) / 1024:.1f} MiB (`bench-client slow`).\n")
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ANALYSIS.md")
    if os.path.exists(notes):
        out.append(open(notes).read())
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
