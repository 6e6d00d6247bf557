#!/usr/bin/env bash
# The benchmark, with everything: builds the release bench, sets up a Python environment with
# Zoho's official SDK for the comparison row, runs every figure (the 1,000,000-record export
# included; about two minutes) and writes the table into BENCHMARKS.md.
#
#   scripts/bench.sh            # measure and write BENCHMARKS.md
#   scripts/bench.sh --quick    # skip the 1,000,000-record export
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CARGO_TARGET_DIR:-target}/bench-venv"
if [[ ! -x "${venv}/bin/python" ]]; then
  python3 -m venv "${venv}"
fi
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/python-sdk/requirements.txt

cargo build --release --locked --package zoho-bench
"${CARGO_TARGET_DIR:-target}/release/zoho-bench" --write BENCHMARKS.md --sdk-python "${venv}/bin/python" "$@"
