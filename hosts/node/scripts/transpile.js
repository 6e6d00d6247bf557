// Transpiles dist/zoho-connector.wasm (or $ZOHO_CONNECTOR_WASM) with jco into generated/, for
// instantiation by the host (`--instantiation async`): the generated code imports nothing, so
// the host hands the component its imports itself (an empty environment, never process.env;
// the credentials and logging bridges of src/worker.js). The core modules are written into
// generated/core-modules.js as base64 rather than left as .wasm files beside it: the host then
// reads no file at run time, so a bundler (Prismatic's, Zapier's) carries the component inside
// one JavaScript file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const wasm = process.env.ZOHO_CONNECTOR_WASM ?? resolve(root, '../../dist/zoho-connector.wasm');
if (!existsSync(wasm)) {
  console.error(`${wasm} is missing: run scripts/dist.sh first`);
  process.exit(2);
}
const out = join(root, 'generated');
rmSync(out, { recursive: true, force: true });
const jco = join(root, 'node_modules', '.bin', 'jco');
const result = spawnSync(
  jco,
  // A zero cutoff: every core module goes to a file first, then into core-modules.js below.
  ['transpile', wasm, '--out-dir', out, '--name', 'zoho-connector', '--quiet', '--instantiation', 'async', '--base64-cutoff', '0'],
  { stdio: 'inherit' },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// jco's glue asks process.env whether to debug-log at each of its hundreds of log points per
// call, and process.env is a slow lookup; asked once, at load, it costs nothing per call.
const glue = join(out, 'zoho-connector.js');
const perCallCheck = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const source = readFileSync(glue, 'utf8');
if (!source.includes(perCallCheck)) {
  console.error(`${glue}: jco's debug-log check is no longer \`${perCallCheck}\`: update scripts/transpile.js`);
  process.exit(1);
}
writeFileSync(
  glue,
  source.replace(perCallCheck, 'if (!JCO_DEBUG) { return; }').replace(
    'export function instantiate(',
    'const JCO_DEBUG = Boolean(globalThis?.process?.env?.JCO_DEBUG);\nexport function instantiate(',
  ),
);

const modules = {};
for (const name of readdirSync(out).filter((file) => file.endsWith('.wasm')).sort()) {
  modules[name] = readFileSync(join(out, name)).toString('base64');
  rmSync(join(out, name));
}
writeFileSync(
  join(out, 'core-modules.js'),
  `// The component's core WebAssembly modules (base64), by the names jco's instantiate asks for.\n` +
    `export const coreModules = ${JSON.stringify(modules, null, 1)};\n`,
);
console.log(`generated/: ${Object.keys(modules).length} core modules`);
