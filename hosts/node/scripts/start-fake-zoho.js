// Starts the workspace's fake-zoho (debug build; honours CARGO_TARGET_DIR) on 127.0.0.1 for the
// host's measuring scripts: {apiDomain, accessToken, stop()}.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export async function startFakeZoho() {
  const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : resolve(root, 'target');
  const fake = spawn(resolve(targetDir, 'debug/fake-zoho'), [], { stdio: ['ignore', 'pipe', 'ignore'] });
  const printed = {};
  for await (const line of createInterface({ input: fake.stdout })) {
    const [key, value] = line.split('=');
    printed[key] = value;
    if (printed.ZOHO_API_DOMAIN && printed.ZOHO_ACCESS_TOKEN) break;
  }
  return { apiDomain: printed.ZOHO_API_DOMAIN, accessToken: printed.ZOHO_ACCESS_TOKEN, stop: () => fake.kill() };
}
