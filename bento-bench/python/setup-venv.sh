#!/usr/bin/env bash
# A virtualenv with the bento wheel for the Python benchmark: reuses the wheel that
# bento-ffi/python/run-tests.sh built, or builds one (maturin, release).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WHEELS="$CARGO_TARGET_DIR/bento-ffi-python/wheels"
VENV="$ROOT/target/bench-venv"
python3 -m venv "$VENV"
if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check maturin==1.16.0
  cargo build --quiet -p uniffi-bindgen
  PATH="$CARGO_TARGET_DIR/debug:$PATH" "$VENV/bin/maturin" build --release --quiet \
      --manifest-path bento-ffi/Cargo.toml --out "$WHEELS"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall "$WHEELS"/*.whl
