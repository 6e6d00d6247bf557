// Builds what `prism components:publish` uploads into OUT_DIR/prismatic/ (scripts/package.sh
// gives dist/packages/): index.js, one CommonJS bundle whose `.default` is the component
// definition, with spectral, the Node host, the component and the manifest inside, and
// icon.png, the component's icon (`display.iconPath`). Publish with `prism components:publish`
// run inside that folder.
//
// Usage: node platforms/prismatic/scripts/package.mjs OUT_DIR   (after `npm run build`)
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundle } from '../../../hosts/node/scripts/bundle.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!process.argv[2]) {
  console.error('usage: package.mjs OUT_DIR');
  process.exit(2);
}
const out = join(resolve(process.argv[2]), 'prismatic');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await bundle({ entryPoints: { index: join(here, 'src/index.js') }, outdir: out });
copyFileSync(join(here, 'assets/icon.png'), join(out, 'icon.png'));
console.log(out);
