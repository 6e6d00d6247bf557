#!/usr/bin/env bash
# Builds the distributable connector: dist/zoho-connector.wasm, the component built with the
# `wasm` profile and stamped with its name, version, description, license and, in a git
# checkout with a remote, its source URL and revision. Honours CARGO_TARGET_DIR.
# Usage: scripts/dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
target_dir="${CARGO_TARGET_DIR:-target}"
# The same directory host-harness's build script uses, so the guest is built once.
component_dir="${target_dir}/component"
CARGO_TARGET_DIR="${component_dir}" cargo build --package zoho-component --target wasm32-wasip2 --profile wasm --locked

metadata=()
if source_url="$(git remote get-url origin 2>/dev/null)" && [[ "${source_url}" == https://* ]]; then
  metadata+=(--source "${source_url%.git}")
fi
if revision="$(git rev-parse HEAD 2>/dev/null)"; then
  metadata+=(--revision "${revision}")
fi
mkdir -p dist
cargo run --quiet --package zoho-dist --locked -- \
  "${component_dir}/wasm32-wasip2/wasm/zoho_component.wasm" dist/zoho-connector.wasm "${metadata[@]}"
echo "dist/zoho-connector.wasm ($(wc -c < dist/zoho-connector.wasm) bytes)"
