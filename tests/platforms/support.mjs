// What the platform tests share: where the packed artifacts are (dist/packages/, written by
// scripts/package.sh), a fake-zoho for each suite, and the check that no secret reached what
// a platform shows or logs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { startFakeZoho } from '../../platforms/manifest/fake-zoho.mjs';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const packages = join(root, 'dist/packages');

/** The one file in dist/packages/ whose name matches `pattern`. */
export function artifact(pattern) {
  const found = existsSync(packages) ? readdirSync(packages).filter((name) => pattern.test(name)) : [];
  assert.equal(found.length, 1, `one artifact matching ${pattern} in ${packages} (run scripts/package.sh): ${found}`);
  return join(packages, found[0]);
}

/** A new empty folder: where a user would put what they install. */
export const emptyFolder = (purpose) => mkdtempSync(join(tmpdir(), `zoho-${purpose}-`));

/** Fails when any of `secrets` appears in `text` (what a platform showed or logged). */
export function assertNoSecret(text, secrets) {
  for (const secret of secrets.filter(Boolean)) {
    assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 9)}...) appeared in:\n${text.slice(0, 2000)}`);
  }
}
