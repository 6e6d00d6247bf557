#!/usr/bin/env bash
# Builds the distributable connector:
# - dist/zoho-connector.wasm: the component built with the `wasm` profile, shrunk by Binaryen's
#   `wasm-opt -Oz` (the same bytes zoho-host's build script embeds), and stamped with its name,
#   version, description, license and, in a git checkout with a remote, its source URL and
#   revision;
# - dist/zoho-connector-standalone.wasm: the same with our env-credentials and stderr-logging
#   components plugged into its `credentials` and `logging` imports, so it imports only
#   standard WASI and runs in any WASI host (e.g. `wasmtime run -S http --env ...`);
# - dist/zoho-connector-wit.wasm: the WIT package zoho:connector with every doc comment, also
#   embedded in both components as the custom section `zoho-connector-wit`
#   (`wasm-tools component wit dist/zoho-connector-wit.wasm` prints the documented contract).
# Needs wasm-opt (Debian's `binaryen`; scripts/system-packages.sh installs it). Honours
# CARGO_TARGET_DIR.
# Usage: scripts/dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
target_dir="${CARGO_TARGET_DIR:-target}"
# The same directory zoho-host's build script (host-harness/zoho-host/build.rs) uses, so the
# guest is built once.
component_dir="${target_dir}/component"
CARGO_TARGET_DIR="${component_dir}" cargo build --package zoho-component --package zoho-env-credentials \
  --package zoho-stderr-logging --target wasm32-wasip2 --profile wasm --locked
built="${component_dir}/wasm32-wasip2/wasm"

metadata=()
if source_url="$(git remote get-url origin 2>/dev/null)" && [[ "${source_url}" == https://* ]]; then
  metadata+=(--source "${source_url%.git}")
fi
if revision="$(git rev-parse HEAD 2>/dev/null)"; then
  metadata+=(--revision "${revision}")
fi
mkdir -p dist
cargo run --quiet --package zoho-dist --locked -- \
  "${built}/zoho_component.wasm" dist/zoho-connector.wasm \
  --wit wit --wit-out dist/zoho-connector-wit.wasm \
  --standalone dist/zoho-connector-standalone.wasm \
  --credentials "${built}/zoho_env_credentials.wasm" --logging "${built}/zoho_stderr_logging.wasm" \
  "${metadata[@]}"
for artifact in dist/zoho-connector.wasm dist/zoho-connector-standalone.wasm dist/zoho-connector-wit.wasm; do
  echo "${artifact} ($(wc -c < "${artifact}") bytes)"
done
