#!/usr/bin/env bash
# Runs Lighthouse (12.2.3, default mobile mode with simulated throttling) in
# headless Debian Chromium over pages of the release build, served gzipped
# from a sub-path by scripts/serve_gzip.py, and prints one table: the four
# category scores, FCP, LCP, CLS, TBT and the bytes transferred. The JSON
# reports go to artifacts/lighthouse/. Figures only; nothing passes or fails.
#
# Usage: scripts/lighthouse.sh [PAGE...]
#   PAGE is a URL relative to the site root, e.g. ./ topics/acid/?step=5
#   (default: the overview, a text-only topic, each model topic and a mid-run
#   permalink of it, sheet/ and drill/; pages missing from dist/ are skipped).
#   DIST=dir serves another build instead of dist/ (built with
#   `trunk build --release` when dist/ is missing). A page takes 10-30 s.
set -euo pipefail
source "$(dirname "$0")/setup.sh"

LH_VERSION="12.2.3"
LH_DIR="${LIGHTHOUSE_DIR:-$ROOT/.cache/lighthouse}"
LH_CLI="$LH_DIR/node_modules/lighthouse/cli/index.js"
OUT="$ROOT/artifacts/lighthouse"
SUB="some/dir"
CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
MODEL_MODULES="nplus1|breaker|cache|isolation|ratelimit|retry|drill"

ensure_lighthouse() {
  local have
  have="$(node -p "require(process.argv[1]).version" "$LH_DIR/node_modules/lighthouse/package.json" 2>/dev/null || true)"
  if [ "$have" != "$LH_VERSION" ]; then
    step "Installing lighthouse@$LH_VERSION into ${LH_DIR#"$ROOT"/}"
    mkdir -p "$LH_DIR"
    printf '*\n' > "$LH_DIR/.gitignore"
    printf '{\n  "private": true,\n  "description": "Lighthouse for scripts/lighthouse.sh",\n  "dependencies": { "lighthouse": "%s" }\n}\n' \
      "$LH_VERSION" > "$LH_DIR/package.json"
    (cd "$LH_DIR" && npm install --no-audit --no-fund --loglevel=error)
  fi
}

# Debian's Chromium; waits while another apt/dpkg holds the lock.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  step "Installing Debian's Chromium"
  local try
  for try in $(seq 20); do
    if as_root apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium; then
      return 0
    fi
    [ -x /usr/bin/chromium ] && return 0
    echo "apt is busy or failed (try $try); retrying in 15 s" >&2
    sleep 15
  done
  echo "error: could not install chromium" >&2
  return 1
}

# True when the page references a live model's module.
has_model() {
  grep -qE "(href|src)=[\"'][^\"']*($MODEL_MODULES)-[0-9a-f]{8,}(_bg\\.wasm|\\.js)" "$1"
}

# A topic page without a live model, preferring rest-api-design.
text_topic() {
  local f
  for f in "$DIST/topics/rest-api-design/index.html" "$DIST"/topics/*/index.html; do
    if [ -f "$f" ] && ! has_model "$f"; then
      f="${f%/index.html}"
      echo "topics/${f##*/}/"
      return 0
    fi
  done
}

# The file in $DIST that serves PAGE (query and fragment ignored).
page_file() {
  local p="${1%%[?#]*}"
  p="${p#./}"
  case "$p" in "" | */) echo "$DIST/${p}index.html" ;; *) echo "$DIST/$p" ;; esac
}

slug() {
  local s
  s="$(printf '%s' "$1" | sed -E 's/[^A-Za-z0-9._-]+/_/g; s/^[._]+//; s/_+$//')"
  echo "${s:-overview}"
}

DIST="$(realpath -m "${DIST:-$ROOT/dist}")"
cd "$ROOT"
if [ ! -f "$DIST/index.html" ]; then
  if [ "$DIST" != "$(realpath -m "$ROOT/dist")" ]; then
    echo "error: $DIST/index.html not found" >&2
    exit 1
  fi
  ensure_build_tools
  step "Release build (dist/ is missing)"
  trunk build --release
fi
ensure_chromium
ensure_lighthouse

if [ $# -gt 0 ]; then
  pages=("$@")
else
  pages=("./")
  t="$(text_topic)"
  [ -n "$t" ] && pages+=("$t")
  pages+=(
    "topics/n-plus-one/" "topics/n-plus-one/?strategy=lazy&n=100&step=40"
    "topics/circuit-breaker/" "topics/circuit-breaker/?step=14"
    "topics/caching/" "topics/caching/?step=5"
    "topics/acid/" "topics/acid/?preset=P4&step=5"
    "topics/api-security/" "topics/retries-resilience/"
    "sheet/" "drill/"
  )
  present=()
  for p in "${pages[@]}"; do
    if [ -f "$(page_file "$p")" ]; then present+=("$p"); else echo "skipping $p: not in ${DIST#"$ROOT"/}" >&2; fi
  done
  pages=("${present[@]}")
fi

mkdir -p "$OUT"
port="$(free_port 8383)"
python3 "$ROOT/scripts/serve_gzip.py" "$DIST" "$port" "$SUB" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
LH_PID=""
stop() {
  # Lighthouse closes its Chromium on SIGINT.
  if [ -n "$LH_PID" ]; then kill -INT "$LH_PID" 2>/dev/null && wait "$LH_PID" 2>/dev/null || true; fi
  kill "$SERVER_PID" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM
BASE="http://127.0.0.1:$port/$SUB/"
for _ in $(seq 100); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "$BASE" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.1
done

step "Lighthouse $LH_VERSION (mobile, simulated throttling) on $BASE"
results=()
i=0
for p in "${pages[@]}"; do
  i=$((i + 1))
  name="$(slug "$p")"
  json="$OUT/$name.json"
  rm -f "$json"
  started=$SECONDS
  printf '[%d/%d] %s ... ' "$i" "${#pages[@]}" "$p"
  CHROME_PATH=/usr/bin/chromium node "$LH_CLI" "$BASE${p#./}" --output=json --output-path="$json" \
    --chrome-flags="$CHROME_FLAGS" --quiet >"$OUT/$name.log" 2>&1 &
  LH_PID=$!
  if wait "$LH_PID"; then
    LH_PID=""
    echo "$((SECONDS - started)) s"
    rm -f "$OUT/$name.log"
  else
    LH_PID=""
    echo "failed after $((SECONDS - started)) s (log: ${OUT#"$ROOT"/}/$name.log)"
    tail -n 5 "$OUT/$name.log" >&2 || true
  fi
  results+=("$p" "$json")
done

echo
node - "${results[@]}" <<'JS' | tee "$OUT/summary.txt"
const fs = require("fs");
const args = process.argv.slice(2);
const header = ["page", "perf", "a11y", "best-pr", "seo", "FCP", "LCP", "CLS", "TBT", "transferred"];
const rows = [];
for (let i = 0; i < args.length; i += 2) {
  const page = args[i];
  let r;
  try {
    r = JSON.parse(fs.readFileSync(args[i + 1], "utf8"));
  } catch {
    rows.push([page, "no report"]);
    continue;
  }
  const score = (c) => (r.categories?.[c]?.score == null ? "-" : String(Math.round(r.categories[c].score * 100)));
  const num = (a) => r.audits?.[a]?.numericValue;
  const fmt = (v, f) => (v == null || Number.isNaN(v) ? "-" : f(v));
  const row = [
    page,
    score("performance"), score("accessibility"), score("best-practices"), score("seo"),
    fmt(num("first-contentful-paint"), (v) => (v / 1000).toFixed(2) + " s"),
    fmt(num("largest-contentful-paint"), (v) => (v / 1000).toFixed(2) + " s"),
    fmt(num("cumulative-layout-shift"), (v) => v.toFixed(3)),
    fmt(num("total-blocking-time"), (v) => Math.round(v) + " ms"),
    fmt(num("total-byte-weight"), (v) => Math.round(v).toLocaleString("en-US") + " B"),
  ];
  if (r.runtimeError?.code) row.push("error: " + r.runtimeError.code);
  rows.push(row);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.length > 2 ? (r[i] ?? "").length : 0))));
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : i < widths.length ? c.padStart(widths[i]) : c)).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(r.length > 2 ? line(r) : `${r[0].padEnd(widths[0])}  ${r[1]}`);
console.log("\nScores 0-100; FCP, LCP, TBT and CLS as Lighthouse simulates them on a mid-range phone;");
console.log("transferred = total bytes over the network (gzip where served so).");
JS
