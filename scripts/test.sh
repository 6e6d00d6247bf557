#!/usr/bin/env bash
# Runs every suite, installing what a fresh machine lacks: the Rust workspace (unit tests, the
# integration suite with its contract check against Zoho's published v8 contract, the shared
# store against private PostgreSQL servers it starts itself), then the
# distributable component in the Python host (wasmtime-py) and in the Node host (jco), and Zoho's
# own Python SDK driving fake-zoho, the installable packages (scripts/package.sh) in a new
# virtual environment and an empty Node project, and the platform plugins: in their SDKs' test
# runtimes, then from their packed artifacts in the platforms' own runtimes (tests/platforms).
# Python packages go into a virtual environment inside the target directory; npm packages
# (Node 24 for n8n and Zapier's CLI among them) come from the committed lockfiles. Honours
# CARGO_TARGET_DIR.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi

# Debian packages (Binaryen, PostgreSQL, Node.js, npm), after one `apt-get update`.
scripts/system-packages.sh

echo "== Rust: unit and integration tests"
cargo test --workspace --locked

echo "== the distributable component"
scripts/dist.sh
# fake-zoho-checked: the fake the Python, Node, package and platform tests run, every exchange
# checked against Zoho's published contract.
cargo build --package fake-zoho --package zoho-contract-check --bins --locked

echo "== Python: the host, and Zoho's SDK against fake-zoho"
venv="${CARGO_TARGET_DIR:-target}/python-venv"
if [[ ! -x "${venv}/bin/python" ]]; then
  python3 -m venv "${venv}"
fi
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r hosts/python/requirements-dev.txt -r tests/zoho-sdk/requirements.txt
"${venv}/bin/python" -m pytest -q hosts/python
"${venv}/bin/python" -m pytest -q tests/zoho-sdk

echo "== Node: the host"
(
  cd hosts/node
  npm ci --no-audit --no-fund
  npm run build
  npm test
)

echo "== the packages: built, then installed and run on their own"
scripts/package.sh
tests/packages/run.sh

# scripts/package.sh installed each platform's SDK and generated its manifest.
echo "== Platforms: Prismatic, in spectral's test runtime"
(cd platforms/prismatic && npm test)

echo "== Platforms: Zapier, in zapier-platform-core's app tester"
(cd platforms/zapier && npm test)

echo "== Platforms: n8n, workflows in n8n's engine"
(cd platforms/n8n && npm test)

echo "== Platforms: each packed artifact in its platform's runtime (n8n, Zapier, Prismatic)"
tests/platforms/run.sh
