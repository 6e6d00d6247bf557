// Writes the component's manifests (every action and trigger, with its JSON Schema) to the
// file named on the command line, read from the component itself through the Node host. Each
// platform's build runs it, so an action added to the component appears on every platform
// without an adapter being edited.
//
// Usage: node platforms/manifest/generate.mjs OUT.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
// The Node host straight from the repository: the generator runs before any platform's install.
import { createConnector } from '../../hosts/node/src/index.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: generate.mjs OUT.json');
  process.exit(2);
}
const connector = await createConnector({
  credentials: () => {
    throw new Error('reading the manifests needs no connection');
  },
});
const manifest = { actions: await connector.manifest(), triggers: await connector.triggers() };
mkdirSync(dirname(resolve(out)), { recursive: true });
writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${out}: ${manifest.actions.length} actions, ${manifest.triggers.length} triggers`);
