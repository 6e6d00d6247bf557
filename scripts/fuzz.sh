#!/usr/bin/env bash
# Fuzzes the component's response decoders and input parsers for a bounded time per target.
# Not part of CI. Usage: scripts/fuzz.sh [seconds-per-target] (default 600).
# A crash is saved by libFuzzer under fuzz/artifacts/<target>/; copy it into
# fuzz/regressions/<target>/ so `cargo test` replays it forever after.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
for target in responses action trigger bulk_files; do
  mkdir -p "fuzz/corpus/${target}"
  # Start from the regression inputs, so known shapes are explored first.
  cp -n fuzz/regressions/"${target}"/* "fuzz/corpus/${target}/" 2>/dev/null || true
  echo "== fuzzing ${target} for ${seconds}s"
  (cd fuzz && cargo +nightly fuzz run "${target}" "corpus/${target}" -- -max_total_time="${seconds}" -rss_limit_mb=2048)
done
echo "fuzzing finished clean"
