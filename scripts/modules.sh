#!/usr/bin/env bash
# Trunk's post-build hook: builds the site's modules, one per page kind (the
# shell, and the shell linked with each page's own live part: the drill and
# each model), with wasm-bindgen and, in release builds, wasm-opt; names
# each by a hash of its content; then writes every page (tools/render-content).
# Trunk sets TRUNK_STAGING_DIR (where dist/ is assembled) and TRUNK_PROFILE.
set -euo pipefail
cd "$(dirname "$0")/.."
site="${TRUNK_STAGING_DIR:?run by Trunk (trunk build), which sets TRUNK_STAGING_DIR}"
profile="${TRUNK_PROFILE:-debug}"
modules=(shell drill nplus1 breaker cache isolation ratelimit retry)

args=(--target wasm32-unknown-unknown --locked --offline)
dir=debug
if [ "$profile" = release ]; then args+=(--release); dir=release; fi
bins=()
for m in "${modules[@]}"; do bins+=(--bin "$m"); done
cargo build "${args[@]}" "${bins[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
: > "$site/modules.txt"
for m in "${modules[@]}"; do
  input="target/wasm32-unknown-unknown/$dir/$m.wasm"
  hash="$(sha256sum "$input" | cut -c1-16)"
  name="$m-$hash"
  wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name "$name" "$input"
  if [ "$profile" = release ]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals -o "$work/${name}_bg.wasm" "$work/${name}_bg.wasm"
  fi
  mv "$work/$name.js" "$work/${name}_bg.wasm" "$site/"
  echo "$m $name.js ${name}_bg.wasm" >> "$site/modules.txt"
done

cargo run --quiet --locked --offline -p render-content -- "$site"
rm -f "$site/modules.txt"
