#!/usr/bin/env bash
# Runs every test: formatting, lints, the native tests, the Python blocks of
# content/ (tests/python), the release build, the size report, and the
# browser tests (the HTML checker among them) against the release build
# served from a sub-path by a plain static file server.
# Installs whatever is missing first.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
started=$SECONDS

ensure_build_tools
ensure_browser
ensure_redis
ensure_postgres
ensure_mariadb
ensure_java
ensure_python

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native, every package and target) -D warnings"
cargo clippy --workspace --all-targets --locked -q -- -D warnings

step "cargo clippy (wasm32) -D warnings"
cargo clippy --target wasm32-unknown-unknown --locked -q -- -D warnings

step "Native tests"
mkdir -p artifacts
cargo test --workspace --locked 2>&1 | tee artifacts/cargo-test.log
native_passed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) s += $i } END { print s + 0 }' artifacts/cargo-test.log)
native_failed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) s += $i } END { print s + 0 }' artifacts/cargo-test.log)

step "Python blocks of content/ (tests/python; private PostgreSQL and Redis servers)"
python_status=0
rm -f artifacts/python-junit.xml
PYTHONDONTWRITEBYTECODE=1 "$CONTENT_PYTHON" -m pytest tests/python -q \
  --junitxml=artifacts/python-junit.xml 2>&1 | tee artifacts/python-tests.log || python_status=$?
read -r python_passed python_failed < <("$CONTENT_PYTHON" -c '
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot()
s = s if s.tag == "testsuite" else s.find("testsuite")
n = {k: int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
print(n["tests"] - n["failures"] - n["errors"] - n["skipped"], n["failures"] + n["errors"])
' artifacts/python-junit.xml 2>/dev/null || echo "0 1")
if [ "$python_status" != 0 ] && [ "$python_failed" = 0 ]; then python_failed=1; fi
python_blocks="$(grep -E '^[0-9]+ blocks run, [0-9]+ fragments?$' artifacts/python-tests.log || echo 'blocks not counted')"

step "Release build"
trunk build --release

step "Size report"
python3 scripts/size_report.py dist | tee artifacts/size-report.txt

step "Browser tests (release build served from a sub-path)"
serve_dist "some/dir" 8181
status=0
# SERVED_DIR lets the update test change the served copy's service worker.
SERVED_DIR="$SERVED_DIR" BASE_URL="$SERVED_URL" npx playwright test || status=$?
read -r browser_passed browser_failed < <(node -e '
  const r = require("./artifacts/playwright.json");
  const s = r.stats || {};
  console.log((s.expected || 0) + (s.flaky || 0), (s.unexpected || 0));
' 2>/dev/null || echo "0 1")

echo
echo "native: $native_passed passed, $native_failed failed"
echo "python: $python_passed passed, $python_failed failed (content/: $python_blocks)"
echo "browser: $browser_passed passed, $browser_failed failed"
echo "time: $((SECONDS - started)) s"
echo "all: $((native_passed + python_passed + browser_passed)) passed, $((native_failed + python_failed + browser_failed)) failed"
if [ "$python_failed" != 0 ]; then status=1; fi
exit $status
