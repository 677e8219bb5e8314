#!/usr/bin/env bash
# Builds the `bento` wheel with maturin, installs it into a fresh virtualenv and runs the pytest
# suite against bento-emulator started as a separate process. Runnable from anywhere; idempotent.
#
#   bash bento-ffi/python/run-tests.sh [extra pytest args]
#
# Honours CARGO_TARGET_DIR (default: <repo>/target). Everything it creates lives under
# $CARGO_TARGET_DIR/bento-ffi-python/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$CARGO_TARGET_DIR/bento-ffi-python"
VENV="$WORK/venv"
WHEELS="$WORK/wheels"
PYTHON="${PYTHON:-python3}"

step() { printf '\n==> %s (%ss)\n' "$1" "$SECONDS"; }

step "fresh virtualenv in $VENV"
rm -rf "$VENV" "$WHEELS"
mkdir -p "$WORK"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check maturin==1.16.0 pytest mypy

step "building bento-emulator and uniffi-bindgen"
# One package per invocation, as maturin does (`cargo run --bin uniffi-bindgen`): a combined
# selection would unify features differently and build the shared dependencies twice.
cargo build --quiet -p bento-emulator
cargo build --quiet -p uniffi-bindgen

step "building the wheel (maturin, release)"
# maturin generates the Python module with the workspace's pinned uniffi-bindgen.
PATH="$CARGO_TARGET_DIR/debug:$PATH" "$VENV/bin/maturin" build --release \
    --manifest-path bento-ffi/Cargo.toml --out "$WHEELS"

step "installing the wheel"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall "$WHEELS"/*.whl

step "pytest against the emulator"
export BENTO_EMULATOR_BIN="$CARGO_TARGET_DIR/debug/bento-emulator"
# Run from the tests folder's parent so `import bento` can only find the installed wheel.
cd "$ROOT/bento-ffi/python"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
step "done"
