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
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    maturin==1.16.0 ziglang wheel pytest mypy

step "building bento-emulator and bento-hostile"
# One package per invocation, as maturin does (`cargo run --bin uniffi-bindgen`): a combined
# selection would unify features differently and build the shared dependencies twice.
# bento-hostile serves the shared hostile cases for tests/test_hostile.py.
cargo build --quiet -p bento-emulator --bin bento-emulator --bin bento-hostile

step "building the wheel (manylinux2014, zig, stripped: build-wheel.sh)"
bash "$ROOT/bento-ffi/python/build-wheel.sh" "$WHEELS" "$VENV/bin/python"

step "installing the wheel into a fresh virtualenv and importing it"
# A second, clean environment with nothing but the wheel: what a user gets from pip.
rm -rf "$WORK/venv-clean"
"$PYTHON" -m venv "$WORK/venv-clean"
"$WORK/venv-clean/bin/python" -m pip install --quiet --disable-pip-version-check "$WHEELS"/*.whl
(cd / && "$WORK/venv-clean/bin/python" -c 'import bento; print("imported", bento.__file__, len(bento.__all__), "names")')
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall "$WHEELS"/*.whl

step "pytest against the emulator"
export BENTO_EMULATOR_BIN="$CARGO_TARGET_DIR/debug/bento-emulator"
export BENTO_HOSTILE_BIN="$CARGO_TARGET_DIR/debug/bento-hostile"
# Run from the tests folder's parent so `import bento` can only find the installed wheel.
cd "$ROOT/bento-ffi/python"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
step "done"
