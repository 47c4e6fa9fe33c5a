#!/usr/bin/env bash
# Builds the release site into dist/ and serves it on a local address until
# Ctrl-C. PORT=NNNN picks the port (default 8080, or the next free one).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_build_tools
step "Building the release site"
(cd "$ROOT" && trunk build --release)
port="$(free_port "${PORT:-8080}")"
step "Serving Backend Playground at http://127.0.0.1:$port/   (Ctrl-C stops)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$ROOT/dist"
