// Transpiles dist/zoho-connector.wasm (or $ZOHO_CONNECTOR_WASM) with jco into generated/: the
// component's own imports go to this package's host modules, and wasi:cli/environment to an
// empty one, so the component never sees process.env.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const wasm = process.env.ZOHO_CONNECTOR_WASM ?? resolve(root, '../../dist/zoho-connector.wasm');
if (!existsSync(wasm)) {
  console.error(`${wasm} is missing: run scripts/dist.sh first`);
  process.exit(2);
}
const jco = join(root, 'node_modules', '.bin', 'jco');
const result = spawnSync(
  jco,
  [
    'transpile', wasm,
    '--out-dir', join(root, 'generated'),
    '--name', 'zoho-connector',
    '--quiet',
    '--map', 'zoho:connector/credentials=../src/host/credentials.js',
    '--map', 'zoho:connector/logging=../src/host/logging.js',
    '--map', 'wasi:cli/environment=../src/host/environment.js#environment',
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
