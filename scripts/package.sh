#!/usr/bin/env bash
# Builds the installable packages into dist/packages/, each carrying the component:
# - zoho_connector-VERSION-py3-none-any.whl: the Python host with zoho-connector.wasm inside;
# - zoho-connector-node-VERSION.tgz: the Node host (npm pack) with the jco-transpiled
#   component inside;
# - n8n-nodes-zoho-connector-VERSION.tgz: the n8n community package (platforms/n8n);
# - zoho-connector-zapier-VERSION.zip: the Zapier upload, as `zapier-platform build` makes it
#   (platforms/zapier);
# - prismatic/: index.js and icon.png, what `prism components:publish` uploads
#   (platforms/prismatic).
# Each is self-contained: installed with nothing else from this repository, it loads the
# component it carries. Honours CARGO_TARGET_DIR.
# Usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="${root}/dist/packages"
target="${CARGO_TARGET_DIR:-target}"

scripts/dist.sh
rm -rf "${out}"
mkdir -p "${out}"
stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT

echo "== the Python wheel"
mkdir -p "${stage}/python"
cp -r hosts/python/pyproject.toml hosts/python/zoho_connector "${stage}/python/"
rm -rf "${stage}/python/zoho_connector/__pycache__"
cp dist/zoho-connector.wasm "${stage}/python/zoho_connector/zoho-connector.wasm"
python="python3"
if [[ -x "${target}/python-venv/bin/python" ]]; then python="${target}/python-venv/bin/python"; fi
"${python}" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "${out}" "${stage}/python"

echo "== the npm package"
(
  cd hosts/node
  npm ci --no-audit --no-fund --silent
  npm run --silent build
)
mkdir -p "${stage}/node"
cp -r hosts/node/src hosts/node/generated "${stage}/node/"
# The published manifest: no longer private, no build tools, only what runs.
node -e '
  const fs = require("fs");
  const manifest = JSON.parse(fs.readFileSync("hosts/node/package.json", "utf8"));
  delete manifest.private;
  delete manifest.devDependencies;
  delete manifest.scripts;
  manifest.files = ["src", "generated"];
  fs.writeFileSync(process.argv[1], JSON.stringify(manifest, null, 2) + "\n");
' "${stage}/node/package.json"
(cd "${stage}/node" && npm pack --silent --pack-destination "${out}" >/dev/null)

# The platforms: each installs its SDK from its lockfile, reads the component's manifests into
# generated/manifest.json, then packs itself with the host bundled in (hosts/node/scripts/bundle.js).
for platform in n8n zapier prismatic; do
  echo "== the ${platform} package"
  (
    cd "platforms/${platform}"
    npm ci --no-audit --no-fund --silent
    npm run --silent build
    node scripts/package.mjs "${out}"
  )
done

ls -l "${out}"
