// Per-call cost of the Node host on the hosts' shared workload: `crmGetRecord` against a local
// fake-zoho, one instance reused. Prints one JSON line (microseconds).
// Usage: node hosts/node/bench.js [CALLS] (scripts/bench-hosts.sh runs it).
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { createConnector } from './src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const calls = Number(process.argv[2] ?? 200);
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : resolve(root, 'target');
const fake = spawn(resolve(targetDir, 'debug/fake-zoho'), [], { stdio: ['ignore', 'pipe', 'ignore'] });
const zoho = {};
for await (const line of createInterface({ input: fake.stdout })) {
  const [key, value] = line.split('=');
  zoho[key] = value;
  if (zoho.ZOHO_API_DOMAIN && zoho.ZOHO_ACCESS_TOKEN) break;
}
try {
  const connector = await createConnector({
    credentials: () => ({ accessToken: zoho.ZOHO_ACCESS_TOKEN, apiDomain: zoho.ZOHO_API_DOMAIN }),
  });
  const id = connector.invoke('crmCreateRecord', 'bench', { recordType: 'Leads', values: { Last_Name: 'Bench' } }).data[0].id;
  const input = { recordType: 'Leads', recordId: id };
  const micros = [];
  for (let round = 0; round < calls + 20; round += 1) {
    const started = process.hrtime.bigint();
    connector.invoke('crmGetRecord', 'bench', input);
    if (round >= 20) micros.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  micros.sort((a, b) => a - b);
  const mean = micros.reduce((sum, value) => sum + value, 0) / micros.length;
  console.log(JSON.stringify({ host: 'node (jco)', calls, mean_us: Math.round(mean), median_us: Math.round(micros[micros.length >> 1]) }));
} finally {
  fake.kill();
}
