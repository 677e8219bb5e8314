#!/usr/bin/env bash
# Runs every fuzz target for a few seconds (default 10; FUZZ_SECONDS overrides), after
# replaying the committed seeds and crash inputs under corpus/<target>/. Exits non-zero on
# the first crash. Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
# Every invariant is checked as promised, and the committed crash-F* inputs (FUZZING.md, all
# fixed) are replayed first. FUZZ_FEATURES=known-findings relaxes the checks of F1–F4, as the
# long runs did while those were open.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-10}"
features=()
if [[ -n "${FUZZ_FEATURES:-}" ]]; then
  features=(--features "$FUZZ_FEATURES")
fi
targets=(parse_responses retry_after input_validation redact ffi_json_inputs component_json_inputs)

for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  if [[ -d "corpus/$t" ]]; then
    cp corpus/"$t"/* "$work"/ 2>/dev/null || true
  fi
  echo "== $t: ${seconds}s"
  # -s none: safe Rust, no sanitizer needed; 2-3x the executions per second.
  cargo +nightly fuzz run -s none "${features[@]}" "$t" "$work" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
  rm -rf "$work"
done
echo "all fuzz targets ran clean"
