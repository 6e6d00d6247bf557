#!/usr/bin/env bash
# Per-call cost of the connector in each host on one workload (`crmGetRecord` against a local
# fake-zoho, after 20 warm-up calls): the Rust harness (release build), Python (wasmtime-py) and
# Node (jco). Prints one JSON line per host. Needs scripts/dist.sh's output, the Python venv
# and hosts/node built (as .ci/run leaves them). Usage: scripts/bench-hosts.sh [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-500}"
venv="${CARGO_TARGET_DIR:-target}/python-venv"
cargo build --quiet --package fake-zoho --locked
cargo run --quiet --release --package zoho-bench --example per_call --locked -- "${calls}"
"${venv}/bin/python" hosts/python/bench.py "${calls}"
node hosts/node/bench.js "${calls}"
