// Builds the n8n community package, self-contained, into the folder named on the command line
// (scripts/package.sh gives dist/packages/): n8n-nodes-zoho-connector-VERSION.tgz, laid out as
// n8n's own tooling lays one out: compiled files under dist/, the package.json `n8n` block
// pointing there, SVG icons beside each node and the credential, no runtime dependency (the
// Node host, the component and the manifest are bundled into dist/nodes/manifest-properties.js;
// n8n-workflow is n8n's own), and the example workflows under examples/.
//
// The repository's package.json stays private (it is the source, with a `file:` link to the
// host); the published one is written here.
//
// Usage: node platforms/n8n/scripts/package.mjs OUT_DIR   (after `npm run build`)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundle, bundlePlain } from '../../../hosts/node/scripts/bundle.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: package.mjs OUT_DIR');
  process.exit(2);
}
const source = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'n8n-package-'));
try {
  const dist = join(stage, 'dist');
  // The shared module every node requires, with everything it needs inside; the credential
  // carries the data centers table.
  await bundle({
    entryPoints: { 'nodes/manifest-properties': join(here, 'nodes/manifest-properties.js') },
    outdir: dist,
    external: ['n8n-workflow'],
  });
  await bundlePlain({
    entryPoints: { 'credentials/ZohoConnectorOAuth2Api.credentials': join(here, 'credentials/ZohoConnectorOAuth2Api.credentials.js') },
    outdir: dist,
  });
  // The node classes and the trigger builder are small and require only
  // ./manifest-properties.js (or each other): copied as written.
  const bundled = 'manifest-properties.js';
  for (const file of readdirSync(join(here, 'nodes')).filter((f) => f !== bundled && (f.endsWith('.js') || f.endsWith('.svg')))) {
    copyFileSync(join(here, 'nodes', file), join(dist, 'nodes', file));
  }
  copyFileSync(join(here, 'credentials/zoho.svg'), join(dist, 'credentials/zoho.svg'));
  mkdirSync(join(stage, 'examples'));
  for (const file of readdirSync(join(here, 'examples'))) {
    copyFileSync(join(here, 'examples', file), join(stage, 'examples', file));
  }
  copyFileSync(join(here, 'README.md'), join(stage, 'README.md'));
  const published = {
    name: source.name,
    version: source.version,
    description: source.description,
    license: source.license,
    keywords: source.keywords,
    engines: source.engines,
    files: ['dist', 'examples'],
    n8n: {
      n8nNodesApiVersion: source.n8n.n8nNodesApiVersion,
      credentials: source.n8n.credentials.map((path) => `dist/${path}`),
      nodes: source.n8n.nodes.map((path) => `dist/${path}`),
    },
    peerDependencies: source.peerDependencies,
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  mkdirSync(out, { recursive: true });
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }).trim();
  console.log(join(out, packed));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
