#!/usr/bin/env bash
# A second, independent host for the bento component: jco (Node.js).
#
# Builds the component (scripts/build-component.sh), installs jco + preview2-shim into
# scripts/jco/node_modules, transpiles the component to JavaScript, starts bento-emulator as a
# separate process (jco's wasi:http is synchronous, so the server cannot live in Node's main
# thread) and runs scripts/jco/smoke.mjs against it. Idempotent; exits non-zero on any failure.
#
# Usage (from anywhere): bash scripts/jco-smoke.sh     Honors CARGO_TARGET_DIR (default target/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-target}"
jco_dir="scripts/jco"
emulator_pid=""

cleanup() {
  if [[ -n "$emulator_pid" ]]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -f "${emulator_out:-}"
}
trap cleanup EXIT

echo "jco-smoke: building the component"
bash scripts/build-component.sh --out "$target_dir/components"
wasm="$target_dir/components/bento_component.wasm"
[[ -f "$wasm" ]] || { echo "jco-smoke: no component at $wasm" >&2; exit 1; }
echo "jco-smoke: component $(wc -c <"$wasm") bytes"

echo "jco-smoke: building the emulator"
cargo build -p bento-emulator
emulator_bin="$target_dir/debug/bento-emulator"

if [[ ! -x "$jco_dir/node_modules/.bin/jco" ]] ||
   ! grep -q '"version": "1.35.0"' "$jco_dir/node_modules/@bytecodealliance/jco/package.json" ||
   ! grep -q '"version": "0.26.1"' "$jco_dir/node_modules/@bytecodealliance/preview2-shim/package.json"; then
  echo "jco-smoke: installing jco 1.35.0 + preview2-shim 0.26.1"
  (cd "$jco_dir" && npm install --no-audit --no-fund)
fi

echo "jco-smoke: transpiling"
rm -rf "$jco_dir/out"
"$jco_dir/node_modules/.bin/jco" transpile "$wasm" -o "$jco_dir/out" --name bento --quiet
echo '{"type":"module"}' >"$jco_dir/out/package.json"

echo "jco-smoke: starting the emulator"
emulator_out="$(mktemp)"
"$emulator_bin" --port 0 >"$emulator_out" &
emulator_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$emulator_out" ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "jco-smoke: the emulator exited" >&2; exit 1; }
  sleep 0.1
done
info="$(head -n 1 "$emulator_out")"
[[ "$info" == \{* ]] || { echo "jco-smoke: no JSON line from the emulator" >&2; exit 1; }

echo "jco-smoke: running the smoke flow"
BENTO_EMULATOR="$info" node "$jco_dir/smoke.mjs"
