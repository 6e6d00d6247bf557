// The Node host end to end against fake-zoho (the workspace's binary) on 127.0.0.1: manifests,
// actions, typed errors with their fields, a refresh after INVALID_TOKEN, credential problems,
// a failing request, the empty environment, one instance reused across calls, triggers, and
// the README example as written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { CredentialProblem, ZohoError, configurePool, createConnector } from '../src/index.js';
import { environment } from '../src/wasi/system.js';
import { componentImports } from '../src/worker.js';
import { countGetRecord } from '../scripts/count-imports.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : resolve(root, 'target');
let fake;
const zoho = {};
// fake-zoho-checked appends every exchange that breaks Zoho's published contract here.
const scratch = mkdtempSync(join(tmpdir(), 'zoho-node-host-'));
const violations = join(scratch, 'violations.txt');

before(async () => {
  fake = spawn(process.env.FAKE_ZOHO_BIN ?? resolve(targetDir, 'debug/fake-zoho-checked'), ['--sandbox'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ZOHO_CONTRACT_VIOLATIONS: violations },
  });
  for await (const line of createInterface({ input: fake.stdout })) {
    const [key, value] = line.split('=');
    zoho[key] = value;
    if (zoho.ZOHO_API_DOMAIN && zoho.ZOHO_ACCESS_TOKEN) break;
  }
});

after(() => {
  fake.kill();
  const found = existsSync(violations) ? readFileSync(violations, 'utf8').trim() : '';
  rmSync(scratch, { recursive: true, force: true });
  assert.equal(found, '', "exchanges with fake-zoho broke Zoho's published contract");
});

/** Moves Zoho's clock (the fake's) on by `seconds`, so trigger tests wait on Zoho's time. */
async function advanceZohoClock(seconds) {
  const answer = await fetch(`${zoho.ZOHO_API_DOMAIN}/__fake/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  assert.equal(answer.status, 204);
}

/**
 * A server in a child process (the calls block this thread) that answers every request with an
 * empty module list and prints each request's Authorization header: the traffic of a connection
 * that is not the fake's.
 */
async function startRecordingServer() {
  const source = `
    const server = require('node:http').createServer((request, response) => {
      if (request.url === '/__done') { console.log('DONE'); response.end(); return; }
      console.log('AUTH ' + (request.headers.authorization ?? ''));
      response.setHeader('content-type', 'application/json');
      response.end('{"modules":[]}');
    });
    server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const port = Number((await lines.next()).value.split(' ')[1]);
  return {
    url: `http://127.0.0.1:${port}`,
    /** Every Authorization header it saw, once it has printed them all. */
    async stop() {
      await fetch(`http://127.0.0.1:${port}/__done`);
      const seen = [];
      for (let line = await lines.next(); !line.done && line.value !== 'DONE'; line = await lines.next()) {
        if (line.value.startsWith('AUTH ')) seen.push(line.value.slice(5));
      }
      child.kill();
      return seen;
    },
  };
}

const staticCredentials = () => () => ({ accessToken: zoho.ZOHO_ACCESS_TOKEN, apiDomain: zoho.ZOHO_API_DOMAIN });

test('manifests list actions and triggers', async () => {
  const connector = await createConnector({ credentials: staticCredentials() });
  const actions = Object.fromEntries((await connector.manifest()).map((a) => [a.key, a]));
  assert.equal(actions.crmGetRecords.product, 'crm');
  assert.ok(actions.crmGetRecords.inputSchema.required.includes('recordType'));
  const triggers = Object.fromEntries((await connector.triggers()).map((t) => [t.key, t]));
  assert.equal(triggers.crmNewRecords.kind, 'polling');
  assert.equal(triggers.crmRecordNotifications.kind, 'instant');
});

test('manifests carry hints, output schemas and where each dropdown finds its choices', async () => {
  const connector = await createConnector({ credentials: staticCredentials() });
  const actions = Object.fromEntries((await connector.manifest()).map((a) => [a.key, a]));
  assert.deepEqual(actions.crmGetRecords.hints, { readOnly: true, destructive: false, idempotent: true });
  assert.deepEqual(actions.crmRemoveRecord.hints, { readOnly: false, destructive: true, idempotent: true });
  assert.equal(actions.crmGetRecords.outputSchema.properties.data.type, 'array');
  assert.deepEqual(actions.crmCreateRecord.choices.values, {
    action: 'crmListFields',
    arguments: { recordType: 'recordType' },
    items: '/data',
    value: 'apiName',
    label: 'label',
    filter: { readOnly: false },
    takes: 'member-names',
    requiredMember: 'mandatory',
    typeMember: 'jsonType',
  });
  assert.deepEqual(actions.crmCreateRecord.choices.recordType.filter, { apiSupported: true });
  assert.equal(actions.crmCreateRecord.choices.recordType.takes, 'one');
  assert.equal(actions.crmCreateRecord.choices.recordType.requiredMember, null);
  const triggers = Object.fromEntries((await connector.triggers()).map((t) => [t.key, t]));
  assert.equal(triggers.crmNewRecords.choices.fields.takes, 'several');
  assert.equal(triggers.booksNewRecords.choices.organizationId.action, 'booksListOrganizations');
  assert.equal(triggers.crmNewRecords.outputSchema.type, 'array');
  assert.equal(triggers.crmNewRecords.hints, undefined);
  assert.deepEqual(triggers.crmRecordNotifications.channel, { open: 'crmEnableNotifications', renew: 'crmRenewNotifications', close: 'crmDisableNotifications' });
  assert.equal(triggers.crmNewRecords.channel, undefined);
});

test('actions return objects and errors are typed with their fields', async () => {
  const connector = await createConnector({ credentials: staticCredentials() });
  const created = await connector.invoke('crmCreateRecord', 'default', { recordType: 'Leads', values: { Last_Name: 'Node' } });
  const id = created.data[0].id;
  assert.equal((await connector.invoke('crmGetRecord', 'default', { recordType: 'Leads', recordId: id })).data.Last_Name, 'Node');
  await assert.rejects(
    () => connector.invoke('crmGetRecord', 'default', { recordType: 'Leads' }),
    (error) => error instanceof ZohoError && error.case === 'invalid-input' && error.input === 'recordId'
      && error.message === "recordId is required: the record's id, a string of digits",
  );
  await assert.rejects(
    () => connector.invoke('crmGetRecord', 'default', { recordType: 'Leads', recordId: '1' }),
    (error) => error instanceof ZohoError && error.case === 'not-found',
  );
});

test('a rejected token is refreshed once through the provider', async () => {
  const calls = [];
  const connector = await createConnector({
    credentials: (connection, rejected) => {
      calls.push([connection, rejected]);
      const accessToken = rejected === '1000.stale.token' ? zoho.ZOHO_ACCESS_TOKEN : '1000.stale.token';
      return { accessToken, apiDomain: zoho.ZOHO_API_DOMAIN };
    },
  });
  assert.ok((await connector.invoke('crmListModules', 'acme', {})).data.length > 0);
  assert.deepEqual(calls, [['acme', undefined], ['acme', '1000.stale.token']]);
});

test('credential problems and failing requests are typed errors without secrets', async () => {
  const throttled = await createConnector({
    credentials: () => {
      throw new CredentialProblem('throttled', 'slow down', 42);
    },
  });
  await assert.rejects(
    () => throttled.invoke('crmListModules', 'acme', {}),
    (error) => error.case === 'credential' && error.problem === 'throttled' && error.retryAfterSeconds === 42,
  );
  const secret = '1000.never-shown.secret';
  const unreachable = await createConnector({
    credentials: () => ({ accessToken: secret, apiDomain: 'http://127.0.0.1:9' }),
  });
  await assert.rejects(
    () => unreachable.invoke('crmListModules', 'default', { maxRetries: 0 }),
    (error) =>
      error.case === 'transport' && ['refused', 'connection'].includes(error.kind) && !JSON.stringify(error).includes(secret) && !error.message.includes(secret),
  );
});

test('the component gets an empty environment, never process.env', async () => {
  process.env.ZOHO_PLATFORM_SECRET = 'must-not-reach-the-component';
  assert.deepEqual(environment.getEnvironment(), []);
  const imports = componentImports({}, () => {});
  assert.equal(imports['wasi:cli/environment'], environment);
  // The generated code takes its environment from the imports the worker hands it, nowhere else.
  const generated = readFileSync(resolve(root, 'hosts/node/generated/zoho-connector.js'), 'utf8');
  assert.match(generated, /imports\['wasi:cli\/environment'\]/);
  assert.doesNotMatch(generated, /^import /m);
});

test('one instance serves many calls and keeps nothing between them', async () => {
  let asked = 0;
  const first = await createConnector({
    credentials: () => {
      asked += 1;
      return { accessToken: zoho.ZOHO_ACCESS_TOKEN, apiDomain: zoho.ZOHO_API_DOMAIN };
    },
  });
  const elsewhere = await startRecordingServer();
  const other = await createConnector({ credentials: () => ({ accessToken: '1000.other.connection', apiDomain: elsewhere.url }) });
  for (let i = 0; i < 50; i += 1) {
    assert.equal((await first.invoke('crmGetRecords', 'default', { recordType: 'Leads', fields: 'Last_Name', perPage: 1 })).data.length, 1);
    await other.invoke('crmListModules', 'default', { maxRetries: 0 });
  }
  const seen = await elsewhere.stop();
  assert.equal(asked, 50, 'the token is asked for on every call: nothing is cached in the instance');
  // Interleaved calls with other credentials carry only their own token, never the first one's.
  assert.equal(seen.length, 50, 'every call of the other connection reached its server');
  assert.ok(seen.every((header) => header === 'Zoho-oauthtoken 1000.other.connection'), JSON.stringify(seen));
  assert.ok(!seen.some((header) => header.includes(zoho.ZOHO_ACCESS_TOKEN)));
});

test('calls run off the event loop: a timer keeps firing while Zoho is slow, and slow calls overlap', async () => {
  configurePool({ maxWorkers: 10 });
  const connector = await createConnector({ credentials: staticCredentials() });
  const read = () => connector.invoke('crmGetRecords', 'default', { recordType: 'Leads', fields: 'Last_Name', perPage: 1 });
  // Ten workers started and warm before anything is measured.
  await Promise.all(Array.from({ length: 10 }, read));
  const slow = await fetch(`${zoho.ZOHO_API_DOMAIN}/__fake/delay`, {
    method: 'POST',
    body: JSON.stringify({ pathPrefix: '/crm/v8/Leads', milliseconds: 1000, times: 10 }),
  });
  assert.equal(slow.status, 204);
  let last = performance.now();
  let longestGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 10 }, read));
  const took = performance.now() - started;
  clearInterval(timer);
  assert.ok(results.every((r) => r.data.length === 1));
  assert.ok(took >= 1000, `the fake held each answer back for 1 s (took ${took} ms)`);
  assert.ok(took < 3000, `ten 1 s calls ran side by side, not one after another (took ${took} ms)`);
  assert.ok(longestGap < 50, `the main thread's 10 ms timer never waited over 50 ms (longest gap ${longestGap} ms)`);
});

test('a credentials provider may answer asynchronously, e.g. after refreshing', async () => {
  const connector = await createConnector({
    credentials: async (_connection, rejected) => {
      await new Promise((done) => setTimeout(done, 20));
      return { accessToken: rejected ? zoho.ZOHO_ACCESS_TOKEN : '1000.expired.token', apiDomain: zoho.ZOHO_API_DOMAIN };
    },
  });
  assert.ok((await connector.invoke('crmListModules', 'default', {})).data.length > 0);
});

test('one crmGetRecord makes no more import calls than BENCHMARKS.md records', async () => {
  // Every import call costs the host a crossing; BENCHMARKS.md ("Import calls per request")
  // records what each is for. fake-zoho answers in chunks (no Content-Length), as many servers do.
  const { total, calls } = await countGetRecord(zoho.ZOHO_API_DOMAIN, zoho.ZOHO_ACCESS_TOKEN);
  assert.ok(total <= 28, `${total} import calls: ${JSON.stringify(calls)}`);
  assert.equal(calls['zoho:connector/credentials#get'], 1, 'the token is asked for once');
  assert.equal(calls['zoho:connector/logging#log'], undefined, 'nothing is logged when nothing goes wrong');
  assert.equal(calls['InputStream.blockingRead'], 2, 'the body in one read, then its end');
  assert.equal(calls['wasi:random/random#getRandomBytes'], undefined);
});

test('a body larger than what comes with the head arrives whole, with or without Content-Length', async () => {
  // The HTTP thread sends the first MiB with the head and the rest on request (src/wasi/).
  const big = JSON.stringify({ data: Array.from({ length: 30_000 }, (_, i) => ({ id: String(i), Last_Name: 'x'.repeat(80) })) });
  let chunked = false;
  const { createServer } = await import('node:http');
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    if (chunked) {
      response.write(big.slice(0, 1_000_000));
      setTimeout(() => response.end(big.slice(1_000_000)), 20);
    } else {
      response.setHeader('content-length', Buffer.byteLength(big));
      response.end(big);
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  try {
    const connector = await createConnector({
      credentials: () => ({ accessToken: '1000.local.server', apiDomain: `http://127.0.0.1:${server.address().port}` }),
    });
    for (const mode of [false, true]) {
      chunked = mode;
      const answer = await connector.invoke('crmRawRequest', 'default', { method: 'GET', url: '/crm/v8/Leads', maxRetries: 0 });
      assert.ok(big.length > 3_000_000);
      assert.equal(JSON.stringify(answer).includes('"29999"'), true, `the last record arrived (${mode ? 'chunked' : 'Content-Length'})`);
      assert.equal((JSON.stringify(answer).match(/Last_Name/g) ?? []).length, 30_000);
    }
  } finally {
    server.close();
  }
});

test('a polling trigger anchors, then reports a new record once', async () => {
  const connector = await createConnector({ credentials: staticCredentials() });
  const input = { recordType: 'Contacts', fields: 'Last_Name' };
  const first = await connector.poll('crmNewRecords', 'default', input);
  assert.deepEqual([first.events, first.more], [[], false]);
  // A second of Zoho's clock after the anchor, then past its two-second settling time.
  await advanceZohoClock(1);
  const id = (await connector.invoke('crmCreateRecord', 'default', { recordType: 'Contacts', values: { Last_Name: 'Polled' } })).data[0].id;
  await advanceZohoClock(3);
  const second = await connector.poll('crmNewRecords', 'default', input, first.state);
  assert.deepEqual(second.events.map((e) => e.id), [id]);
  assert.deepEqual((await connector.poll('crmNewRecords', 'default', input, second.state)).events, []);
  await assert.rejects(() => connector.poll('crmNewRecords', 'default', input, 'zt1.damaged'), (e) => e.input === 'state');
});

test('the README example runs as written', async () => {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const example = readme.split('### Node')[1].split('```js')[1].split('```')[0];
  process.env.ZOHO_ACCESS_TOKEN = zoho.ZOHO_ACCESS_TOKEN;
  process.env.ZOHO_API_DOMAIN = zoho.ZOHO_API_DOMAIN;
  const printed = [];
  const log = console.log;
  console.log = (...args) => printed.push(args.join(' '));
  try {
    const entry = pathToFileURL(resolve(root, 'hosts/node/src/index.js')).href;
    const source = example.replace("from '@zoho-connector/node'", `from '${entry}'`);
    await import(`data:text/javascript,${encodeURIComponent(source)}`);
  } finally {
    console.log = log;
  }
  assert.ok(printed.some((line) => line.includes('Alvarez')), printed.join('\n'));
});
