#!/usr/bin/env bash
# The whole test suite: Rust (core, emulator, FFI, the component in wasmtime), the component in
# a second host (jco on Node), and the Python and Kotlin bindings. Installs what it needs
# (the wasm32 targets, npm and pip packages into local folders; the component build also needs
# wasm-opt, wasm-tools and wac, which .ci/run installs). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

step "toolchain"
rustup target add wasm32-wasip2 wasm32-unknown-unknown >/dev/null

step "bento-core is sans-IO: no transport crate in its graph, builds for both wasm targets"
rustup target add wasm32-unknown-unknown >/dev/null
if cargo tree -q -p bento-core -e normal --prefix none \
    | grep -E '^(reqwest|ureq|tokio|hyper|hyper-util|wasmtime|wasip2|uniffi) '; then
  echo "bento-core must not depend on a transport crate (see above)" >&2
  exit 1
fi
cargo check -q -p bento-core --target wasm32-wasip2
cargo check -q -p bento-core --target wasm32-unknown-unknown

step "Rust tests (core, emulator, demo, FFI, component in wasmtime, the served example app)"
cargo test --workspace --exclude bento-component --exclude edge-signup

if [ -f scripts/jco-smoke.sh ]; then
  step "the component in jco (Node.js)"
  bash scripts/jco-smoke.sh
fi

if [ -f bento-ffi/python/run-tests.sh ]; then
  step "Python package (maturin wheel + pytest)"
  bash bento-ffi/python/run-tests.sh
fi

if [ -f bento-ffi/kotlin/run-tests.sh ]; then
  step "Kotlin bindings on the JVM (+ Swift generation)"
  bash bento-ffi/kotlin/run-tests.sh
fi

step "the demo (main job) end to end"
cargo run -q -p bento-demo

printf '\nall tests passed\n'
