#!/usr/bin/env bash
# Generates the Kotlin bindings with the workspace's pinned uniffi-bindgen, compiles them with
# Main.kt and runs the smoke test on the JVM against bento-emulator (a separate process). Also
# generates the Swift bindings and checks the files exist. Exits non-zero on any failure.
#
#   bash bento-ffi/kotlin/run-tests.sh
#
# Needs Java 17+, npm (for the `kotlin-compiler` package) and JNA (Debian `libjna-java`,
# installed with apt-get when /usr/share/java/jna.jar is missing). Honours CARGO_TARGET_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$CARGO_TARGET_DIR/bento-ffi-kotlin"
KOTLIN_VERSION=2.4.20
JNA_JAR="${JNA_JAR:-/usr/share/java/jna.jar}"

step() { printf '\n==> %s (%ss)\n' "$1" "$SECONDS"; }
mkdir -p "$WORK"

step "building bento-ffi, uniffi-bindgen and bento-emulator"
# One package per invocation (as the Python script and maturin do), so they share the builds.
for pkg in bento-ffi bento-emulator uniffi-bindgen; do cargo build --quiet -p "$pkg"; done
LIB="$CARGO_TARGET_DIR/debug/libbento_ffi.so"
BINDGEN="$CARGO_TARGET_DIR/debug/uniffi-bindgen"

step "generating Kotlin bindings"
rm -rf "$WORK/gen" "$WORK/classes"
"$BINDGEN" generate "$LIB" --language kotlin --out-dir "$WORK/gen" --no-format
test -s "$WORK/gen/com/bentonow/bento/bento.kt"

step "generating Swift bindings (check only: no Swift toolchain here)"
bash "$ROOT/bento-ffi/swift/generate.sh" "$LIB" "$WORK/swift"

step "Kotlin compiler $KOTLIN_VERSION and JNA"
KOTLINC="$WORK/kotlinc/node_modules/kotlin-compiler/bin/kotlinc-jvm"
if [ ! -x "$KOTLINC" ]; then
    npm install --silent --no-audit --no-fund --prefix "$WORK/kotlinc" "kotlin-compiler@$KOTLIN_VERSION"
fi
if [ ! -f "$JNA_JAR" ]; then
    apt-get install -y -qq libjna-java >/dev/null || { apt-get update -qq && apt-get install -y -qq libjna-java >/dev/null; }
fi
test -f "$JNA_JAR"

step "compiling the bindings and Main.kt"
"$KOTLINC" -nowarn -cp "$JNA_JAR" -d "$WORK/classes" \
    "$WORK/gen/com/bentonow/bento/bento.kt" "$ROOT/bento-ffi/kotlin/Main.kt"
STDLIB="$(dirname "$KOTLINC")/../lib/kotlin-stdlib.jar"

step "running the smoke test against bento-emulator"
EMU_OUT="$WORK/emulator.out"
"$CARGO_TARGET_DIR/debug/bento-emulator" --port 0 >"$EMU_OUT" 2>"$WORK/emulator.err" &
EMU_PID=$!
trap 'kill "$EMU_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    [ -s "$EMU_OUT" ] && break
    sleep 0.1
done
INFO="$(head -n 1 "$EMU_OUT")"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$INFO" "$1"; }
export BENTO_BASE_URL="$(field base_url)"
export BENTO_PUBLISHABLE_KEY="$(field publishable_key)"
export BENTO_SECRET_KEY="$(field secret_key)"
export BENTO_SITE_UUID="$(field site_uuid)"
java -Djna.library.path="$(dirname "$LIB")" -cp "$WORK/classes:$STDLIB:$JNA_JAR" MainKt
step "done"
