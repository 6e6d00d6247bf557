#!/usr/bin/env bash
# The shared store's load test at full scale (tests/tests/all/store_load.rs with real worker
# processes, tests/src/bin/store-worker.rs): 8 workers x 100 stored connections whose tokens
# expire twice during the run, and 4 pollers x 50 trigger keys while 40 records are created;
# on a private PostgreSQL server the test starts itself, and on the file store for comparison.
# Prints one JSON line per test (refreshes, events, duplicates, losses, errors, the workers'
# peak memory), as BENCHMARKS.md records them. Needs Debian's postgresql package.
# Usage: scripts/bench-store.sh [WORKERS CONNECTIONS POLLERS TRIGGERS RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export ZOHO_LOAD_WORKERS="${1:-8}" ZOHO_LOAD_CONNECTIONS="${2:-100}" ZOHO_LOAD_POLLERS="${3:-4}"
export ZOHO_LOAD_TRIGGERS="${4:-50}" ZOHO_LOAD_RECORDS="${5:-40}"
cargo test --quiet --release --locked --package zoho-integration-tests --test all -- store_load \
  --nocapture --test-threads=1 2>&1 | grep -o 'LOAD {.*}' | sed 's/^LOAD //'
