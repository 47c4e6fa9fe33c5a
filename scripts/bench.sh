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

step "Native: the circuit-breaker model"
cargo bench --locked --bench breaker

step "Native: the cache-aside model"
cargo bench --locked --bench cache

step "Native: the isolation lab's matrix"
cargo bench --locked --bench isolation

step "Native: the rate limiters (ten minutes at 1,000 requests/s)"
cargo bench --locked --bench ratelimit

step "Native: the retry model (the AWS blog's sweep)"
cargo bench --locked --bench retry

step "Native: the worst link of each model (a search within the limits)"
cargo bench --locked --bench worst

step "Release build"
trunk build --release
python3 scripts/size_report.py dist

step "Browser: the N+1 view in headless Chromium"
serve_dist "bench" 8282
node scripts/bench_browser.mjs "$SERVED_URL"

step "Browser: the worst links open (time to the player, longest task)"
node scripts/bench_links.mjs "$SERVED_URL"

step "Lighthouse (mobile) on every page kind, served with gzip"
scripts/lighthouse.sh
