#!/usr/bin/env bash
# Generates the Kotlin bindings with the workspace's pinned uniffi-bindgen, compiles them with
# Main.kt and runs the smoke test on the JVM against bento-emulator (a separate process). Also
# generates the Swift bindings and checks the files exist. Exits non-zero on any failure.
#
#   bash bento-ffi/kotlin/run-tests.sh
#
# Needs Java 17+, npm (for the `kotlin-compiler` package), JNA (Debian `libjna-java`) and
# kotlinx-coroutines for the suspend functions (Debian `libkotlinx-coroutines-java` and
# `libkotlinx-atomicfu-java`), all installed with apt-get when missing. Honours CARGO_TARGET_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$CARGO_TARGET_DIR/bento-ffi-kotlin"
KOTLIN_VERSION=2.4.20
JNA_JAR="${JNA_JAR:-/usr/share/java/jna.jar}"
COROUTINES_JAR="${COROUTINES_JAR:-/usr/share/java/kotlinx-coroutines-core.jar}"
ATOMICFU_JAR="${ATOMICFU_JAR:-/usr/share/java/atomicfu.jar}" # what Debian's coroutines run on
# Free-form JSON is Jackson's JsonNode (BentoJson.kt); Debian's jackson-databind pulls in
# jackson-core and jackson-annotations.
JACKSON_JAR="${JACKSON_JAR:-/usr/share/java/jackson-databind.jar}"
JACKSON_JARS="$JACKSON_JAR:/usr/share/java/jackson-core.jar:/usr/share/java/jackson-annotations.jar"

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

step "generating Swift bindings (check only: no Swift compiler installs here; bento-ffi/README.md says why)"
bash "$ROOT/bento-ffi/swift/generate.sh" "$LIB" "$WORK/swift"

step "Kotlin compiler $KOTLIN_VERSION, JNA, kotlinx-coroutines and Jackson"
KOTLINC="$WORK/kotlinc/node_modules/kotlin-compiler/bin/kotlinc-jvm"
if [ ! -x "$KOTLINC" ]; then
    npm install --silent --no-audit --no-fund --prefix "$WORK/kotlinc" "kotlin-compiler@$KOTLIN_VERSION"
fi
for pair in "$JNA_JAR:libjna-java" "$COROUTINES_JAR:libkotlinx-coroutines-java" \
    "$ATOMICFU_JAR:libkotlinx-atomicfu-java" "$JACKSON_JAR:libjackson2-databind-java"; do
    jar="${pair%%:*}" package="${pair##*:}"
    if [ ! -f "$jar" ]; then
        apt-get install -y -qq "$package" >/dev/null \
            || { apt-get update -qq && apt-get install -y -qq "$package" >/dev/null; }
    fi
    test -f "$jar"
done

step "compiling the bindings and Main.kt"
# coroutines-shim.kt: one annotation the bindings import that Debian's kotlinx-coroutines
# (1.0.1; Maven Central is not reachable here) predates. Apps use kotlinx-coroutines-core
# >= 1.5 from Maven and do not need it.
"$KOTLINC" -nowarn -cp "$JNA_JAR:$COROUTINES_JAR:$JACKSON_JARS" -d "$WORK/classes" \
    "$WORK/gen/com/bentonow/bento/bento.kt" "$ROOT/bento-ffi/kotlin/BentoJson.kt" \
    "$ROOT/bento-ffi/kotlin/Main.kt" \
    "$ROOT/bento-ffi/kotlin/coroutines-shim.kt"
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
java -Djna.library.path="$(dirname "$LIB")" \
    -cp "$WORK/classes:$STDLIB:$JNA_JAR:$COROUTINES_JAR:$ATOMICFU_JAR:$JACKSON_JARS" MainKt
step "done"
