#!/usr/bin/env bash
# Regenerates the precompressed siblings StaticFiles serves (site.css.gz, site.css.br, ...):
# gzip -9 -n (no name or time stored, so the output is reproducible) and Brotli quality 11
# with Python's `brotli` package (pip install brotli).
set -euo pipefail
cd "$(dirname "$0")"
for file in site.css site.js; do
    gzip -9 -n -c "$file" > "$file.gz"
    python3 -c 'import brotli, sys; sys.stdout.buffer.write(brotli.compress(open(sys.argv[1], "rb").read(), quality=11))' "$file" > "$file.br"
done
