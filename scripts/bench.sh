#!/usr/bin/env bash
# Runs the benchmarks and prints their figures: the native model benchmark
# (cargo bench) and the browser benchmark against the release build. Installs
# whatever is missing first. Figures only; nothing here passes or fails on
# time.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
ensure_build_tools
ensure_browser

step "Native: the N+1 model"
cargo bench --locked --bench nplus1

step "Release build"
trunk build --release
python3 scripts/size_report.py dist

step "Browser: the N+1 view in headless Chromium"
www="$(mktemp -d)"
mkdir -p "$www/bench"
cp -r dist/. "$www/bench/"
port="$(free_port 8282)"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >"$www/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$www"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "http://127.0.0.1:$port/bench/" 2>/dev/null && break
  sleep 0.1
done
node scripts/bench_browser.mjs "http://127.0.0.1:$port/bench/"
