#!/usr/bin/env bash
# Generates the Swift bindings (Bento.swift), the C header (BentoFFI.h) and the module map
# (BentoFFI.modulemap) from a built bento-ffi library, and checks the files are there.
#
#   bash bento-ffi/swift/generate.sh [path/to/libbento_ffi.{so,dylib,a}] [out-dir]
#
# Defaults: $CARGO_TARGET_DIR/debug/libbento_ffi.so (building it first) and
# $CARGO_TARGET_DIR/bento-ffi-swift. See bento-ffi/README.md for linking it into an app.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LIB="${1:-}"
OUT="${2:-$CARGO_TARGET_DIR/bento-ffi-swift}"
for pkg in bento-ffi uniffi-bindgen; do cargo build --quiet -p "$pkg"; done
LIB="${LIB:-$CARGO_TARGET_DIR/debug/libbento_ffi.so}"
rm -rf "$OUT"
# swift-format is not installed here; the bindings are valid unformatted.
"$CARGO_TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" --language swift --out-dir "$OUT" \
    --no-format
for f in Bento.swift BentoFFI.h BentoFFI.modulemap; do
    if [ ! -s "$OUT/$f" ]; then
        echo "swift: $OUT/$f was not generated" >&2
        exit 1
    fi
done
grep -q 'class BentoClient' "$OUT/Bento.swift" || { echo "swift: BentoClient missing" >&2; exit 1; }
grep -q 'module BentoFFI' "$OUT/BentoFFI.modulemap" || { echo "swift: bad module map" >&2; exit 1; }
echo "swift bindings: $(ls "$OUT" | tr '\n' ' ')in $OUT"
