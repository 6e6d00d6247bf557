// Per-call cost of the Node host on the hosts' shared workload: `crmGetRecord` against a local
// fake-zoho, one call at a time. Prints one JSON line: wall time per call, and CPU per call
// (every thread of the process: the caller's, the worker's and its HTTP transport's)
// beside the CPU of a plain `fetch` client doing the same request and JSON parse in the same
// process, the way the peers' Node plugins call Zoho.
// Usage: node hosts/node/bench.js [CALLS] (scripts/bench-hosts.sh runs it).
import { startFakeZoho } from './scripts/start-fake-zoho.js';
import { closeConnectors, createConnector } from './src/index.js';

const calls = Number(process.argv[2] ?? 200);
const fake = await startFakeZoho();
const zoho = { ZOHO_API_DOMAIN: fake.apiDomain, ZOHO_ACCESS_TOKEN: fake.accessToken };
try {
  const connector = await createConnector({
    credentials: () => ({ accessToken: zoho.ZOHO_ACCESS_TOKEN, apiDomain: zoho.ZOHO_API_DOMAIN }),
  });
  const id = (await connector.invoke('crmCreateRecord', 'bench', { recordType: 'Leads', values: { Last_Name: 'Bench' } })).data[0].id;
  const input = { recordType: 'Leads', recordId: id };
  const measure = async (call) => {
    for (let round = 0; round < 20; round += 1) await call();
    const micros = [];
    const cpuBefore = process.cpuUsage();
    for (let round = 0; round < calls; round += 1) {
      const started = process.hrtime.bigint();
      await call();
      micros.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    const cpu = process.cpuUsage(cpuBefore);
    micros.sort((a, b) => a - b);
    return {
      mean: micros.reduce((sum, value) => sum + value, 0) / micros.length,
      median: micros[micros.length >> 1],
      cpu: (cpu.user + cpu.system) / calls,
    };
  };
  const host = await measure(() => connector.invoke('crmGetRecord', 'bench', input));
  const url = `${zoho.ZOHO_API_DOMAIN}/crm/v8/Leads/${id}`;
  const headers = { authorization: `Zoho-oauthtoken ${zoho.ZOHO_ACCESS_TOKEN}` };
  const plain = await measure(async () => (await fetch(url, { headers })).json());
  console.log(
    JSON.stringify({
      host: 'node (jco)',
      calls,
      mean_us: Math.round(host.mean),
      median_us: Math.round(host.median),
      cpu_us: Math.round(host.cpu),
      fetch_cpu_us: Math.round(plain.cpu),
      fetch_median_us: Math.round(plain.median),
      cpu_ratio: Number((host.cpu / plain.cpu).toFixed(2)),
    }),
  );
} finally {
  fake.stop();
  await closeConnectors();
}
