#!/usr/bin/env bash
# Builds the `bento-rs` wheel people can install: manylinux2014 (glibc >= 2.17: Amazon Linux 2,
# older Lambda runtimes, Ubuntu 20.04, Debian 11, RHEL 8), linked with zig, library stripped.
#
#   bash bento-ffi/python/build-wheel.sh OUT_DIR [PYTHON]
#
# PYTHON (default python3) must have maturin 1.16, ziglang and wheel installed
# (`pip install maturin==1.16.0 ziglang wheel`). Honours CARGO_TARGET_DIR.
#
# Stripping happens after maturin, not at link time: uniffi-bindgen reads the bindings' metadata
# from the library's symbol table (.symtab), so a library stripped while linking yields "No
# UniFFI metadata found". That rules out maturin's `strip` option, and it is why the release
# profile's default `strip = "debuginfo"` is turned off here: zig's linker drops the whole
# symbol table for it. The symbols are not needed at run time.
set -euo pipefail

OUT="${1:?usage: build-wheel.sh OUT_DIR [PYTHON]}"
PYTHON="${2:-python3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$(dirname "$PYTHON")"

# maturin generates the Python module with the workspace's pinned uniffi-bindgen.
cargo build --quiet -p uniffi-bindgen
mkdir -p "$OUT"
RAW="$(mktemp -d)"
trap 'rm -rf "$RAW"' EXIT
CARGO_PROFILE_RELEASE_STRIP=none PATH="$BIN:$CARGO_TARGET_DIR/debug:$PATH" \
    "$PYTHON" -m maturin build --release --zig \
    --compatibility manylinux2014 --manifest-path bento-ffi/Cargo.toml --out "$RAW"

WHEEL="$(ls "$RAW"/*.whl)"
"$PYTHON" -m wheel unpack --dest "$RAW/unpacked" "$WHEEL"
LIB="$(ls "$RAW"/unpacked/*/bento/_native/libbento_ffi.so)"
before="$(stat -c %s "$LIB")"
strip --strip-unneeded "$LIB"
after="$(stat -c %s "$LIB")"
rm "$WHEEL"
"$PYTHON" -m wheel pack --dest-dir "$OUT" "$RAW"/unpacked/*
printf 'stripped libbento_ffi.so: %s -> %s bytes\n' "$before" "$after"
ls -l "$OUT"/*.whl
