#!/usr/bin/env bash
# The cost of sealed secrets (tests/tests/all/sealed_store.rs, `sealing_costs_*`): 10,000
# connections put and listed on a plain store and on a sealed one (the difference is what
# sealing adds per stored value), then one rotation of the sealed store (a new data key, every
# secret re-sealed, the old key retired); on a private PostgreSQL server the test starts itself
# and on the file store. Prints one JSON line per store, as BENCHMARKS.md records them. Needs
# Debian's postgresql package.
# Usage: scripts/bench-sealing.sh [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
export ZOHO_SEAL_CONNECTIONS="${1:-10000}"
cargo test --quiet --release --locked --package zoho-integration-tests --test all -- sealed_store::sealing_costs \
  --nocapture --test-threads=1 2>&1 | grep -o 'SEAL {.*}' | sed 's/^SEAL //'
