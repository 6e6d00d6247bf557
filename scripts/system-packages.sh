#!/usr/bin/env bash
# Installs the Debian packages the build and the suites need, when missing, after one
# `apt-get update`: Binaryen (wasm-opt shrinks the component: tools/shrink), PostgreSQL's
# server programs (the tests run their own servers with initdb and pg_ctl), Node.js with npm
# (the Node host, the packages and the platforms), and unzip (the Zapier zip's test unpacks it
# as a user would). .ci/run calls it before the first build,
# so the component is shrunk from the start; scripts/test.sh calls it too, to stand alone.
# Usage: scripts/system-packages.sh
set -euo pipefail

missing=()
command -v wasm-opt >/dev/null 2>&1 || missing+=(binaryen)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if (( ${#missing[@]} )); then
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
  ${sudo} apt-get update
  DEBIAN_FRONTEND=noninteractive ${sudo} apt-get install -y "${missing[@]}"
fi
