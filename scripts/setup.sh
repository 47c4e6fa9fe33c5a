# Installs what building and testing need, from the package registries only,
# and only what is missing. Sourced by serve.sh and test.sh.
#
#   ensure_build_tools   fonts, wasm target, Trunk, wasm-bindgen CLI, npm tools (wasm-opt)
#   ensure_browser       Debian's Chromium, for the browser tests
#   ensure_redis         Debian's redis-server, for the cache conformance test
#   ensure_postgres      Debian's PostgreSQL, for the isolation conformance test
#   ensure_mariadb       Debian's MariaDB server, for the InnoDB conformance test
#   ensure_java          a Java runtime, for the Nu HTML Checker (npm vnu-jar)
#   ensure_python        a virtualenv with the pinned packages that the content's
#                        Python blocks import, for tests/python (sets CONTENT_PYTHON)
#   serve_dist SUB PORT  serve a copy of dist/ from a sub-path (tests, benchmarks)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
# Playwright drives the system Chromium; it must never fetch a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root (or sudo)" >&2; return 1
  fi
}

# The wasm-bindgen version Cargo.lock resolved; the CLI must equal it.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    step "Installing Trunk $TRUNK_VERSION from crates.io (a few minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  if [ -z "$want" ]; then echo "error: no wasm-bindgen in Cargo.lock" >&2; return 1; fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
    step "Installing wasm-bindgen-cli $want from crates.io (a few minutes, once)"
    # Not --locked: its lock file names a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_node_tools() {
  local stamp="$ROOT/node_modules/.lock-sha256" want
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ]; then
    step "Installing the npm tools from package-lock.json"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
}

# The link-preview images are drawn with DejaVu Sans.
ensure_fonts() {
  if [ ! -d /usr/share/fonts/truetype/dejavu ]; then
    step "Installing Debian's DejaVu fonts (for the link-preview images)"
    apt_install_quietly fonts-dejavu-core
  fi
}

ensure_build_tools() {
  ensure_fonts
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen
  ensure_node_tools
  # Trunk builds offline; fetch the crates first (instant when present).
  (cd "$ROOT" && cargo fetch --locked -q)
}

ensure_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    step "Installing Debian's Chromium"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium
  fi
}

# Installs Debian packages without letting them start system services: the
# tests start and stop their own servers.
apt_install_quietly() {
  as_root apt-get update -qq
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
  if [ -n "$guard" ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
}

ensure_redis() {
  if [ ! -x /usr/bin/redis-server ]; then
    step "Installing Debian's redis-server (the conformance test starts its own, on a unix socket)"
    apt_install_quietly redis-server
  fi
}

ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    step "Installing Debian's PostgreSQL (the conformance test starts its own, in a temporary directory)"
    apt_install_quietly postgresql
  fi
}

# Debian's mariadb-server, never started as a system service: the InnoDB
# conformance test starts its own mariadbd in a temporary directory.
ensure_mariadb() {
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    step "Installing Debian's MariaDB server (the conformance test starts its own, in a temporary directory)"
    # policy-rc.d's 101 tells the package not to start its service.
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e "$policy" ]; then
      as_root sh -c "printf '#!/bin/sh\\nexit 101\\n' > $policy && chmod +x $policy"
      own_policy=1
    fi
    apt_install_quietly mariadb-server
    if [ -n "$own_policy" ]; then as_root rm -f "$policy"; fi
  fi
}

ensure_java() {
  if ! command -v java >/dev/null 2>&1; then
    step "Installing Debian's Java runtime (the HTML checker runs on it)"
    apt_install_quietly default-jre-headless
  fi
}

# The content's Python blocks run in their own virtualenv, under target/
# (ignored by git), with the exact versions of tests/python/requirements.txt
# from PyPI. Reinstalled only when that file or the interpreter changes.
# The newest Python 3.12 or later on the machine (on PATH, or installed by
# pyenv but not its global version), else python3: Django 6, which the N+1
# model is checked against, needs 3.12; Debian 12's own Python is 3.11.
pick_python() {
  local c v
  for c in python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  if command -v pyenv >/dev/null; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$' | sort -V -r); do
      c="$(pyenv root)/versions/$v/bin/python3"
      if [ -x "$c" ]; then echo "$c"; return 0; fi
    done
  fi
  command -v python3
}

ensure_python() {
  local venv="$ROOT/target/venv-content" req="$ROOT/tests/python/requirements.txt" want py
  if ! command -v python3 >/dev/null; then
    apt_install_quietly python3
  fi
  py="$(pick_python)"
  want="$( { sha256sum "$req" | cut -d' ' -f1; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
  CONTENT_PYTHON="$venv/bin/python"
  if [ -x "$CONTENT_PYTHON" ] && [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  step "Creating the virtualenv for the content's Python blocks (tests/python/requirements.txt, from PyPI)"
  if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install_quietly python3-venv
  fi
  rm -rf "$venv"
  mkdir -p "$ROOT/target"
  "$py" -m venv "$venv"
  # Every dependency is pinned in the file, so nothing else is resolved.
  "$CONTENT_PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req"
  "$CONTENT_PYTHON" -m pip check
  echo "$want" > "$venv/.requirements-sha256"
}

# Prints a free TCP port on 127.0.0.1, trying the given one first.
free_port() {
  python3 - "${1:-8080}" <<'PY'
import socket, sys
want = int(sys.argv[1])
for port in [want, *range(want + 1, want + 50), 0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
PY
}

# Serves a copy of dist/ from the sub-path $1 with Python's static file
# server on a free port (trying $2 first), as any static host would. Sets
# SERVED_URL; the server and the copy are removed when the script exits.
serve_dist() {
  local sub="$1" www port
  www="$(mktemp -d)"
  mkdir -p "$www/$sub"
  cp -r "$ROOT/dist/." "$www/$sub/"
  port="$(free_port "${2:-8181}")"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >"$www/server.log" 2>&1 &
  SERVED_PID=$!
  SERVED_DIR="$www"
  trap 'kill "$SERVED_PID" 2>/dev/null || true; rm -rf "$SERVED_DIR"' EXIT
  SERVED_URL="http://127.0.0.1:$port/$sub/"
  for _ in $(seq 50); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "$SERVED_URL" 2>/dev/null && break
    sleep 0.1
  done
}
