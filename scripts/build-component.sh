#!/usr/bin/env bash
# Builds the bento component and the example app, and composes the two. The one build command
# for both: CI, host-tests' build.rs, jco-smoke.sh and the README use it.
#
#   scripts/build-component.sh [--out DIR] [--opt-level z]
#
# Writes to DIR (default: $CARGO_TARGET_DIR/components, or target/components):
#   bento_component.wasm        the component (world bentonow:bento/bento); every import is one
#                               of the wasi:http/proxy world's
#   edge_signup.wasm            the example app (examples/edge-signup): a wasi:http/proxy app that
#                               imports bentonow:bento/api; reads BENTO_PUBLISHABLE_KEY,
#                               BENTO_SECRET_KEY, BENTO_SITE_UUID, BENTO_BASE_URL at build time
#   edge_signup_composed.wasm   the app with the component plugged in (`wac plug`): a plain
#                               wasi:http/proxy app for `wasmtime serve`, Spin, wasmCloud
#
# Each is built for wasm32-unknown-unknown with profile release-small, linked by rustc's
# wasm-component-ld (.cargo/config.toml) but stopped before componentizing
# (--skip-wit-component), shrunk by `wasm-opt` (binaryen; -Oz, flatten + rereloop, -Oz), made a component by
# `wasm-tools component new` (the component-type sections wit-bindgen embeds say what it
# imports and exports) and stripped of its debug names (`wasm-tools strip --all`).
# `--opt-level z` overrides the profile's opt-level "s": smaller, slower (README, "Size").
# Needs: the wasm32-unknown-unknown target, wasm-opt, wasm-tools
# and wac (.ci/run installs them). Honors CARGO and CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/components"
opt_level=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --opt-level) opt_level=(--config "profile.release-small.opt-level=\"${2:?--opt-level needs a value}\""); shift 2 ;;
    *) echo "usage: scripts/build-component.sh [--out DIR] [--opt-level z]" >&2; exit 2 ;;
  esac
done

target=wasm32-unknown-unknown
profile=release-small
# The features rustc's wasm32 output uses (wasm-opt rejects the module without them).
wasm_opt_features=(--enable-bulk-memory --enable-sign-ext --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types)

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "build-component: '$1' not found; install it with: $2" >&2
    exit 1
  }
}
need wasm-opt "apt-get install -y binaryen"
need wasm-tools "cargo install --locked wasm-tools@1.263.0"
need wac "cargo install --locked wac-cli@0.12.0"
rustup target list --installed 2>/dev/null | grep -qx "$target" || {
  echo "build-component: no $target target; install it with: rustup target add $target" >&2
  exit 1
}

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# build PACKAGE STEM: core module -> wasm-opt -> component, into $out/STEM.wasm.
build() {
  local package="$1" stem="$2"
  "$cargo" rustc -q -p "$package" --target "$target" --profile "$profile" "${opt_level[@]}" \
    -- -C link-arg=--skip-wit-component
  cp "$target_dir/$target/$profile/$stem.wasm" "$work/$stem.core.wasm"
  # -Oz, then the control flow flattened and re-built by the relooper, then -Oz again: 3.9 KB
  # smaller than -Oz alone, with no change in the import benchmark (README, "Size").
  wasm-opt -Oz --flatten --rereloop -Oz "${wasm_opt_features[@]}" "$work/$stem.core.wasm" \
    -o "$work/$stem.opt.wasm"
  wasm-tools component new "$work/$stem.opt.wasm" -o "$work/$stem.component.wasm"
  wasm-tools strip --all "$work/$stem.component.wasm" -o "$out/$stem.wasm"
  wasm-tools validate "$out/$stem.wasm"
  echo "build-component: $out/$stem.wasm $(wc -c <"$out/$stem.wasm") bytes" \
    "(core module $(wc -c <"$work/$stem.core.wasm") -> $(wc -c <"$work/$stem.opt.wasm") after wasm-opt)"
}

build bento-component bento_component
build edge-signup edge_signup
wac plug "$out/edge_signup.wasm" --plug "$out/bento_component.wasm" -o "$out/edge_signup_composed.wasm"
wasm-tools validate "$out/edge_signup_composed.wasm"
echo "build-component: $out/edge_signup_composed.wasm $(wc -c <"$out/edge_signup_composed.wasm") bytes"
