#!/usr/bin/env bash
# Proves the packages of scripts/package.sh install and run on their own: the wheel into a new
# virtual environment, the npm tarball into an empty Node project (it has no dependency of its
# own), each running the README's example, unchanged, against fake-zoho's
# sandbox on 127.0.0.1 and nothing else from this repository. The fake is `fake-zoho-checked`:
# every exchange is checked against Zoho's published contract, and any violation fails the run.
# Usage: tests/packages/run.sh (after scripts/package.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
target="${CARGO_TARGET_DIR:-${root}/target}"
case "${target}" in /*) ;; *) target="${root}/${target}" ;; esac
packages="${root}/dist/packages"
work="$(mktemp -d)"
fake_pid=""
cleanup() {
  if [[ -n "${fake_pid}" ]]; then kill "${fake_pid}" 2>/dev/null || true; fi
  rm -rf "${work}"
}
trap cleanup EXIT

# The README's example in `language`, the first block of that language under `section`.
readme_block() {
  python3 - "$1" "$2" "${root}/README.md" <<'PY'
import sys
section, language, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, encoding="utf-8").read().split(section, 1)[1]
print(text.split("```" + language + "\n", 1)[1].split("```", 1)[0], end="")
PY
}

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="package-test-token-$$"
cargo build --quiet --locked --package zoho-contract-check --bins
ZOHO_CONTRACT_VIOLATIONS="${work}/violations.txt" \
  "${target}/debug/fake-zoho-checked" --sandbox --port "${port}" --token "${token}" >"${work}/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', ${port}), 1)" 2>/dev/null; then break; fi
  sleep 0.1
done
export ZOHO_ACCESS_TOKEN="${token}" ZOHO_API_DOMAIN="http://127.0.0.1:${port}"

echo "== the wheel in a new virtual environment"
python3 -m venv "${work}/venv"
"${work}/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages}"/zoho_connector-*-py3-none-any.whl
readme_block "### Python" python >"${work}/example.py"
(cd "${work}" && "${work}/venv/bin/python" example.py) | tee "${work}/python.out"
grep -q "Marrier" "${work}/python.out"
if "${work}/venv/bin/python" -c 'import zoho_connector, pathlib; print(pathlib.Path(zoho_connector.__file__).resolve())' | grep -q "^${root}/hosts"; then
  echo "the example ran the repository's module, not the installed package" >&2
  exit 1
fi

echo "== the npm package in an empty Node project"
mkdir -p "${work}/node"
cp "${here}/node/package.json" "${here}/node/package-lock.json" "${work}/node/"
(
  cd "${work}/node"
  npm ci --no-audit --no-fund --silent
  npm install --no-save --no-audit --no-fund --silent "${packages}"/zoho-connector-node-*.tgz
  readme_block "### Node" js >example.mjs
  node example.mjs | tee node.out
  grep -q "Marrier" node.out
)
if [[ -s "${work}/violations.txt" ]]; then
  echo "exchanges with fake-zoho broke Zoho's published contract:" >&2
  cat "${work}/violations.txt" >&2
  exit 1
fi
echo "packages: both install and run the README's example"
