// The n8n community package as npm packs it (dist/packages/n8n-nodes-zoho-connector-VERSION.tgz),
// installed the way n8n installs a community package (into its user folder's nodes/, peer
// dependencies left to n8n) and run by n8n itself: the n8n this suite's lockfile pins, on
// Node 24, with its own user folder and SQLite database. The example workflows the package
// ships are imported with n8n's CLI and executed by `n8n execute` against fake-zoho, through
// a credential imported the way n8n stores one; an expired access token is refreshed by n8n's
// own OAuth2 helper and saved in the credential.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { parse as parseFlatted } from 'flatted';

import { artifact, assertNoSecret, emptyFolder, here, startFakeZoho } from './support.mjs';

const run = promisify(execFile);
const CLIENT = { id: '1000.N8N', secret: 'n8n-client-secret' };
const CREDENTIAL_ID = 'zohoConnectorCred';
const PACKAGE = 'n8n-nodes-zoho-connector';

let fake;
let userFolder;
let installed;
/** Everything n8n printed, for the secrets check. */
let printed = '';

const n8nEnv = () => ({
  ...process.env,
  N8N_USER_FOLDER: userFolder,
  N8N_DIAGNOSTICS_ENABLED: 'false',
  N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
  N8N_TEMPLATES_ENABLED: 'false',
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
  // `execute` prints the run on n8n's logger at info.
  N8N_LOG_LEVEL: 'info',
  // Nothing of n8n's that calls n8n's own servers (api.n8n.io): its background tasks, the MCP
  // server registry, the list of verified community packages, banners.
  N8N_SCHEDULER_SYSTEM_TASKS_ENABLED: 'false',
  N8N_DISABLED_MODULES: 'mcp-registry',
  N8N_VERIFIED_PACKAGES_ENABLED: 'false',
  N8N_DYNAMIC_BANNERS_ENABLED: 'false',
});

/** Runs n8n's CLI (this suite's n8n, on the Node running the suite); its stdout and stderr. */
async function n8n(...args) {
  const { stdout, stderr } = await run(process.execPath, [join(here, 'node_modules/n8n/bin/n8n'), ...args], {
    env: n8nEnv(),
    maxBuffer: 64 * 1024 * 1024,
  }).catch((failure) => failure);
  printed += `${stdout}\n${stderr}\n`;
  return { stdout, stderr };
}

/** `n8n execute` of a workflow: the run's JSON (n8n prints it after its own log lines). */
async function execute(workflowId) {
  const { stdout, stderr } = await n8n('execute', `--id=${workflowId}`, '--rawOutput');
  const start = stdout.indexOf('\n{\n');
  assert.ok(start >= 0, `n8n printed no run:\n${stdout}\n${stderr}`);
  return JSON.parse(stdout.slice(start + 1, stdout.lastIndexOf('\n}') + 2));
}

/** The JSON of every item `node` output. */
function itemsOf(execution, node) {
  const runs = execution.data.resultData.runData[node];
  assert.ok(runs, `${node} ran: ${JSON.stringify(execution.data.resultData.error?.message)}`);
  return runs[0].data.main[0].map((item) => item.json);
}

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * The executions n8n saved for `workflowId` (id, status, mode, and the run data), read from its
 * SQLite database as n8n writes them (the run data in flatted JSON).
 */
async function savedExecutions(workflowId) {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(userFolder, '.n8n', 'database.sqlite'), { readOnly: true });
  try {
    return db
      .prepare('SELECT e.id, e.status, e.mode, d.data FROM execution_entity e JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ?')
      .all(workflowId)
      .map((row) => ({ ...row, data: parseFlatted(row.data) }));
  } finally {
    db.close();
  }
}

/** The credential as n8n holds it, decrypted by n8n's own export. */
async function storedCredential() {
  const file = join(userFolder, 'credential-export.json');
  await n8n('export:credentials', `--id=${CREDENTIAL_ID}`, '--decrypted', `--output=${file}`);
  return JSON.parse(readFileSync(file, 'utf8'))[0];
}

before(async () => {
  fake = await startFakeZoho({ client: CLIENT });
  userFolder = emptyFolder('n8n');
  const nodes = join(userFolder, '.n8n', 'nodes');
  mkdirSync(nodes, { recursive: true });
  writeFileSync(join(nodes, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }));
  // As n8n's installer does: the package's own dependencies only (it has none), n8n-workflow
  // from n8n itself.
  await run('npm', ['install', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', artifact(/^n8n-nodes-zoho-connector-.*\.tgz$/)], {
    cwd: nodes,
  });
  installed = join(nodes, 'node_modules', PACKAGE);
  const credential = {
    id: CREDENTIAL_ID,
    name: 'Zoho',
    type: 'zohoConnectorOAuth2Api',
    data: {
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      dataCenter: 'custom',
      accountsServer: fake.apiDomain,
      oauthTokenData: {
        access_token: fake.token,
        refresh_token: fake.refreshToken,
        api_domain: fake.apiDomain,
        token_type: 'Bearer',
        expires_in: 3600,
      },
    },
  };
  const credentialFile = join(userFolder, 'credential.json');
  writeFileSync(credentialFile, JSON.stringify([credential]));
  await n8n('import:credentials', `--input=${credentialFile}`);
  for (const example of ['read-leads.json', 'create-lead.json', 'crm-trigger.json']) {
    await n8n('import:workflow', `--input=${join(installed, 'examples', example)}`);
  }
});

after(() => fake?.stop());

describe('installed in n8n', () => {
  it('is laid out as n8n loads a community package', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.equal(manifest.private, undefined, 'publishable');
    assert.ok(manifest.keywords.includes('n8n-community-node-package'));
    assert.deepEqual(manifest.dependencies, undefined, 'no runtime dependency');
    for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
      assert.ok(file.startsWith('dist/'), file);
      const source = readFileSync(join(installed, file), 'utf8');
      const icon = /icon(?:\s*=|:)\s*['"]file:([^'"]+)['"]/.exec(source);
      assert.ok(icon, `${file} names an SVG icon`);
      const svg = readFileSync(join(installed, file, '..', icon[1]), 'utf8');
      assert.match(svg, /^<svg /);
    }
  });
});

describe('the example workflows, run by n8n', () => {
  it('reads leads with the fields Last_Name and Email', async () => {
    const execution = await execute('zohoReadLeads');
    assert.equal(execution.status, 'success', JSON.stringify(execution.data.resultData.error));
    const [page] = itemsOf(execution, 'Read Leads');
    assert.ok(page.data.length >= 5);
    for (const lead of page.data) {
      assert.deepEqual(Object.keys(lead).sort(), ['Email', 'Last_Name', 'id']);
    }
  });

  it('creates a lead', async () => {
    const execution = await execute('zohoCreateLead');
    assert.equal(execution.status, 'success', JSON.stringify(execution.data.resultData.error));
    const [created] = itemsOf(execution, 'Create Lead');
    assert.equal(created.data[0].code, 'SUCCESS');
    const read = itemsOf(await execute('zohoReadLeads'), 'Read Leads')[0];
    assert.ok(read.data.some((lead) => lead.id === created.data[0].details.id && lead.Last_Name === 'Created in n8n'));
  });

  it('refreshes an expired access token through the credential, and saves the new one', async () => {
    await fake.expireTokens();
    const execution = await execute('zohoReadLeads');
    assert.equal(execution.status, 'success', JSON.stringify(execution.data.resultData.error));
    const token = (await storedCredential()).data.oauthTokenData;
    assert.ok(token.access_token && token.access_token !== fake.token, 'n8n saved a new access token');
    assert.equal(token.refresh_token, fake.refreshToken, 'the refresh token is kept');
    assert.equal(token.api_domain, fake.apiDomain, "Zoho's api_domain is kept");
    assertNoSecret(printed, [fake.token, token.access_token, fake.refreshToken, CLIENT.secret]);
  });
});

describe('bad input, in n8n', () => {
  it('fails the node with an error that names the input, and shows no secret', async () => {
    const workflow = JSON.parse(readFileSync(join(installed, 'examples', 'read-leads.json'), 'utf8'));
    workflow.id = 'zohoBadInput';
    workflow.name = 'Zoho: a record id that is not one';
    workflow.nodes[1].parameters = { resource: 'record', operation: 'crmGetRecord', recordType: 'Leads', recordId: '12/34' };
    const file = join(userFolder, 'bad-input.json');
    writeFileSync(file, JSON.stringify(workflow));
    await n8n('import:workflow', `--input=${file}`);
    const execution = await execute('zohoBadInput');
    assert.equal(execution.status, 'error');
    const { error } = execution.data.resultData;
    assert.equal(error.name, 'NodeOperationError');
    assert.match(error.message, /invalid-input/);
    assert.match(error.message, /recordId must be a Zoho record id \(a string of digits\), got/);
    assertNoSecret(printed, [fake.token, fake.refreshToken, CLIENT.secret]);
  });
});

/** `n8n start` on `port` (a free one by default) of 127.0.0.1; `stop()` ends it. */
async function startN8n(port = undefined) {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [join(here, 'node_modules/n8n/bin/n8n'), 'start'], {
    // Webhook URLs on the address Zoho (fake-zoho) can reach.
    env: { ...n8nEnv(), N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', WEBHOOK_URL: `${url}/` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (chunk) => (printed += chunk));
  server.stderr.on('data', (chunk) => (printed += chunk));
  const exited = new Promise((done) => server.once('exit', done));
  const stop = async () => {
    server.kill();
    await exited;
  };
  return { url, port, server, stop };
}

/** The owner, as the editor tests set the instance up. */
const OWNER = { email: 'owner@example.com', firstName: 'Test', lastName: 'Owner', password: 'Test-Password-1' };

/** Signs in to n8n at `url` as its owner (setting the owner up if nobody has): the cookie. */
async function signIn(url) {
  const post = (path, body) => fetch(`${url}/rest/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let answer = await post('owner/setup', OWNER);
  if (!answer.ok) answer = await post('login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
  assert.ok(answer.ok, `signing in: ${answer.status} ${await answer.text()}`);
  return answer.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Waits until `url` answers its health check. */
async function healthy(url) {
  for (let waited = 0; waited < 120_000; waited += 250) {
    const answer = await fetch(`${url}/healthz/readiness`).catch(() => undefined);
    if (answer?.ok) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`n8n did not start:\n${printed.slice(-3000)}`);
}

describe("the editor's dropdowns and field-by-field values, in a running n8n", () => {
  const node = { name: `${PACKAGE}.zohoConnectorCrm`, version: 1 };
  const credentials = { zohoConnectorOAuth2Api: { id: CREDENTIAL_ID, name: 'Zoho' } };
  let n8nServer;
  let cookie;
  /** A POST to n8n's REST API as the editor makes it, signed in as the instance's owner. */
  const rest = async (path, body) => {
    const answer = await fetch(`${n8nServer.url}/rest/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
    const text = await answer.text();
    assert.ok(answer.ok, `${path}: ${answer.status} ${text.slice(0, 500)}`);
    return { answer, body: JSON.parse(text) };
  };

  /** The choices n8n's editor shows for `input`, with the node's other parameters set. */
  const choicesOf = async (input, currentNodeParameters) => {
    const { body } = await rest('dynamic-node-parameters/options', {
      nodeTypeAndVersion: node,
      path: `parameters.${input}`,
      methodName: `${input}Choices`,
      currentNodeParameters,
      credentials,
    });
    return body.data.map((option) => option.value);
  };

  before(async () => {
    n8nServer = await startN8n();
    await healthy(n8nServer.url);
    cookie = await signIn(n8nServer.url);
    assert.match(cookie, /n8n-auth=/);
  });

  after(() => n8nServer?.stop());

  it("fills the record type dropdown with the modules Zoho's API serves", async () => {
    const values = await choicesOf('recordType', { resource: 'record', operation: 'crmCreateRecord' });
    for (const module of ['Leads', 'Contacts', 'Accounts', 'Deals']) assert.ok(values.includes(module), `${module} in ${values}`);
    assert.ok(!values.includes('Home') && !values.includes('SalesInbox'), `web tabs are left out: ${values}`);
  });

  it("fills the fields dropdown with the chosen module's fields", async () => {
    const values = await choicesOf('fields', { resource: 'record', operation: 'crmGetRecords', recordType: 'Deals' });
    for (const field of ['Stage', 'Amount', 'Closing_Date']) assert.ok(values.includes(field), `${field} in ${values}`);
  });

  it("lists a create's fields for values field by field, typed and with Zoho's mandatory ones required", async () => {
    const { body } = await rest('dynamic-node-parameters/resource-mapper-fields', {
      nodeTypeAndVersion: node,
      path: 'parameters.valuesByField',
      methodName: 'valuesFields',
      currentNodeParameters: { resource: 'record', operation: 'crmCreateRecord', recordType: 'Leads' },
      credentials,
    });
    const fields = Object.fromEntries(body.data.fields.map((field) => [field.id, field]));
    assert.equal(fields.Last_Name.required, true, JSON.stringify(fields.Last_Name));
    assert.equal(fields.Email.required, false);
    assert.equal(fields.Annual_Revenue.type, 'number');
    assert.equal(fields.Created_Time, undefined, 'read-only fields are not offered');
    assertNoSecret(printed, [fake.token, fake.refreshToken, CLIENT.secret]);
  });
});

describe('a record created from field-by-field values, run by n8n', () => {
  it('writes each field with its type', async () => {
    const workflow = JSON.parse(readFileSync(join(installed, 'examples', 'create-lead.json'), 'utf8'));
    workflow.id = 'zohoCreateByField';
    workflow.name = 'Zoho: create a lead field by field';
    workflow.nodes[1].parameters = {
      resource: 'record',
      operation: 'crmCreateRecord',
      recordType: 'Leads',
      valuesByField: {
        mappingMode: 'defineBelow',
        value: { Last_Name: 'By Field', Email: 'rows@example.com', Annual_Revenue: 125000 },
        matchingColumns: [],
        schema: [
          { id: 'Last_Name', displayName: 'Last Name', required: true, defaultMatch: false, display: true, type: 'string' },
          { id: 'Email', displayName: 'Email', required: false, defaultMatch: false, display: true, type: 'string' },
          { id: 'Annual_Revenue', displayName: 'Annual Revenue', required: false, defaultMatch: false, display: true, type: 'number' },
        ],
      },
    };
    const file = join(userFolder, 'create-by-field.json');
    writeFileSync(file, JSON.stringify(workflow));
    await n8n('import:workflow', `--input=${file}`);
    const execution = await execute('zohoCreateByField');
    assert.equal(execution.status, 'success', JSON.stringify(execution.data.resultData.error));
    const [created] = itemsOf(execution, 'Create Lead');
    const id = created.data[0].details.id;
    // The token n8n holds now (an earlier test had the first one expire).
    const token = (await storedCredential()).data.oauthTokenData.access_token;
    const stored = await (await fetch(`${fake.apiDomain}/crm/v8/Leads/${id}`, { headers: { authorization: `Zoho-oauthtoken ${token}` } })).json();
    assert.equal(stored.data[0].Last_Name, 'By Field');
    assert.equal(stored.data[0].Annual_Revenue, 125000);
  });
});

describe("files as n8n's binary data, run by n8n", () => {
  it('attaches an item\'s binary file to a lead, and downloads it as binary data', async () => {
    const token = (await storedCredential()).data.oauthTokenData.access_token;
    const leads = await (await fetch(`${fake.apiDomain}/crm/v8/Leads?fields=Last_Name`, { headers: { authorization: `Zoho-oauthtoken ${token}` } })).json();
    const leadId = leads.data[0].id;
    const zoho = (name, parameters, x) => ({
      id: name,
      name,
      type: `${PACKAGE}.zohoConnectorCrm`,
      typeVersion: 1,
      position: [x, 0],
      parameters,
      credentials: { zohoConnectorOAuth2Api: { id: CREDENTIAL_ID, name: 'Zoho' } },
    });
    const workflow = {
      id: 'zohoFiles',
      name: 'Zoho: attach a file and download it',
      active: false,
      nodes: [
        { id: 'manual', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
        {
          id: 'text',
          name: 'Text',
          type: 'n8n-nodes-base.set',
          typeVersion: 3.4,
          position: [200, 0],
          parameters: { assignments: { assignments: [{ id: 'c', name: 'content', value: 'Minutes of the call', type: 'string' }] }, options: {} },
        },
        {
          id: 'file',
          name: 'To File',
          type: 'n8n-nodes-base.convertToFile',
          typeVersion: 1.1,
          position: [400, 0],
          parameters: { operation: 'toText', sourceProperty: 'content', options: { fileName: 'minutes.txt' } },
        },
        zoho('Attach', { resource: 'attachment', operation: 'crmAddAttachment', recordType: 'Leads', recordId: leadId, binaryPropertyName: 'data' }, 600),
        zoho(
          'Download',
          {
            resource: 'attachment',
            operation: 'crmDownloadAttachment',
            recordType: 'Leads',
            recordId: leadId,
            attachmentId: '={{ $json.data.details.id }}',
            binaryPropertyName: 'download',
          },
          800,
        ),
      ],
      connections: Object.fromEntries(
        [['Start', 'Text'], ['Text', 'To File'], ['To File', 'Attach'], ['Attach', 'Download']].map(([from, to]) => [
          from,
          { main: [[{ node: to, type: 'main', index: 0 }]] },
        ]),
      ),
    };
    const file = join(userFolder, 'files.json');
    writeFileSync(file, JSON.stringify(workflow));
    await n8n('import:workflow', `--input=${file}`);
    const execution = await execute('zohoFiles');
    assert.equal(execution.status, 'success', JSON.stringify(execution.data.resultData.error));
    const [attached] = itemsOf(execution, 'Attach');
    assert.equal(attached.data.code, 'SUCCESS');
    const downloaded = execution.data.resultData.runData.Download[0].data.main[0][0].binary.download;
    assert.equal(downloaded.fileName, 'minutes.txt');
    assert.match(downloaded.mimeType, /^text\/plain/);
    // n8n keeps binary data in files under its storage folder, named by the binary's id.
    assert.match(downloaded.id, /^filesystem-v2:/);
    const stored = join(userFolder, '.n8n', 'storage', downloaded.id.slice('filesystem-v2:'.length));
    assert.equal(readFileSync(stored, 'utf8'), 'Minutes of the call');
  });
});

describe('the instant trigger, active in a running n8n, keeping its own channel', () => {
  const WORKFLOW = 'zohoInstant';
  const WEBHOOK_ID = '5b0f6f0e-1c2d-4e3f-9a8b-7c6d5e4f3a2b';
  let token;
  const zoho = async (path, init = {}) => {
    const answer = await fetch(`${fake.apiDomain}/crm/v8/${path}`, { ...init, headers: { authorization: `Zoho-oauthtoken ${token}`, 'content-type': 'application/json' } });
    // Zoho answers an empty list with 204 and no body.
    return answer.status === 204 ? {} : answer.json();
  };
  const channels = async () => (await zoho('actions/watch')).watch ?? [];
  const until = async (what, check) => {
    for (let waited = 0; waited < 60_000; waited += 250) {
      const found = await check();
      if (found) return found;
      await new Promise((done) => setTimeout(done, 250));
    }
    throw new Error(`${what} did not happen:\n${printed.slice(-3000)}`);
  };
  /** The node's static data as n8n saved it; `change` rewrites it (n8n stopped). */
  const staticData = async (change) => {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(join(userFolder, '.n8n', 'database.sqlite'));
    try {
      const row = db.prepare('SELECT staticData FROM workflow_entity WHERE id = ?').get(WORKFLOW);
      const data = JSON.parse(row.staticData ?? '{}');
      if (change) db.prepare('UPDATE workflow_entity SET staticData = ? WHERE id = ?').run(JSON.stringify(change(data)), WORKFLOW);
      return data;
    } finally {
      db.close();
    }
  };
  const channelIn = (data) => Object.values(data).find((node) => node?.zohoChannel)?.zohoChannel;

  it('opens its channel on activation, starts the workflow for each notification, refuses a forged one, renews a due channel, closes it when switched off', async () => {
    token = (await storedCredential()).data.oauthTokenData.access_token;
    const workflow = {
      id: WORKFLOW,
      name: 'Zoho: leads as they are created',
      active: false,
      nodes: [
        {
          id: 'instant',
          name: 'Zoho Changes',
          type: `${PACKAGE}.zohoConnectorCrmInstantTrigger`,
          typeVersion: 1,
          position: [0, 0],
          webhookId: WEBHOOK_ID,
          parameters: { events: '["Leads.create"]', pollTimes: { item: [{ mode: 'everyMinute' }] } },
          credentials: { zohoConnectorOAuth2Api: { id: CREDENTIAL_ID, name: 'Zoho' } },
        },
      ],
      connections: {},
    };
    const file = join(userFolder, 'instant.json');
    writeFileSync(file, JSON.stringify(workflow));
    await n8n('import:workflow', `--input=${file}`);
    await n8n('publish:workflow', `--id=${WORKFLOW}`);

    let server = await startN8n();
    try {
      await healthy(server.url);
      const hookUrl = `${server.url}/webhook/${WEBHOOK_ID}/zoho`;
      const opened = await until('the channel opening', async () => (await channels()).find((c) => c.notify_url === hookUrl));
      const created = await zoho('Leads', { method: 'POST', body: JSON.stringify({ data: [{ Last_Name: 'Instant n8n', Email: 'instant@example.com' }] }) });
      const id = created.data[0].details.id;
      const execution = await until('the workflow run', async () => (await savedExecutions(WORKFLOW)).find((e) => e.status === 'success'));
      const events = execution.data.resultData.runData['Zoho Changes'][0].data.main[0].map((item) => item.json);
      assert.deepEqual(events.map((e) => [e.event, e.id, e.record.Last_Name]), [['created', id, 'Instant n8n']]);
      const forged = await fetch(hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ module: 'Leads', ids: [id], operation: 'insert', channel_id: Number(opened.channel_id), token: 'forged' }),
      });
      assert.equal(forged.status, 401);
      assert.equal((await savedExecutions(WORKFLOW)).length, 1, 'a forged notification starts nothing');
    } finally {
      await server.stop();
    }

    // Days later, past the channel's renewal time: n8n starting again renews it.
    const before = channelIn(await staticData((data) => {
      channelIn(data).renewAt = new Date(Date.now() - 60_000).toISOString();
      return data;
    }));
    server = await startN8n(server.port);
    try {
      await healthy(server.url);
      const renewed = await until('the renewal', async () => {
        const channel = channelIn(await staticData());
        return Date.parse(channel.renewAt) > Date.now() ? channel : undefined;
      });
      assert.equal(renewed.channelId, before.channelId);
      assert.equal(renewed.token, before.token, 'the token is kept');
      const listed = (await channels()).find((c) => String(c.channel_id) === renewed.channelId);
      assert.ok(Date.parse(listed.channel_expiry) > Date.now() + 6 * 86_400_000, `Zoho holds the channel until ${listed.channel_expiry}`);

      // Switched off in the editor: the channel is closed.
      const cookie = await signIn(server.url);
      const off = await fetch(`${server.url}/rest/workflows/${WORKFLOW}/deactivate`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '{}' });
      assert.ok(off.ok, `deactivate: ${off.status} ${await off.text()}`);
      await until('the channel closing', async () => (await channels()).length === 0);
    } finally {
      await server.stop();
    }
    assertNoSecret(printed, [fake.token, fake.refreshToken, CLIENT.secret, before.token]);
  });
});

describe('the CRM trigger example, active in a running n8n', () => {
  it('polls new leads when n8n activates it, and starts the workflow with them', async () => {
    // Past Zoho's settling time, so the lead the create example made is due.
    await fake.settle();
    await n8n('publish:workflow', '--id=zohoNewLeads');
    const server = spawn(process.execPath, [join(here, 'node_modules/n8n/bin/n8n'), 'start'], {
      env: { ...n8nEnv(), N8N_PORT: String(await freePort()), N8N_LISTEN_ADDRESS: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (chunk) => (printed += chunk));
    server.stderr.on('data', (chunk) => (printed += chunk));
    let executions = [];
    try {
      // n8n polls once as it activates the workflow, then on the example's schedule.
      // n8n saves an execution as it starts (`new`, `running`): wait until it has finished.
      const finished = () => executions.length > 0 && executions.every((e) => !['new', 'running'].includes(e.status));
      for (let waited = 0; !finished() && waited < 120_000; waited += 500) {
        await new Promise((done) => setTimeout(done, 500));
        executions = await savedExecutions('zohoNewLeads').catch(() => []);
      }
    } finally {
      server.kill();
    }
    assert.equal(executions.length, 1, `n8n ran the trigger workflow:\n${printed.slice(-3000)}`);
    const [execution] = executions;
    assert.equal(execution.status, 'success');
    assert.equal(execution.mode, 'trigger');
    const events = execution.data.resultData.runData['New Leads'][0].data.main[0].map((item) => item.json);
    assert.equal(events.length, 5, 'the example backfills the five newest leads');
    for (const event of events) {
      assert.equal(event.event, 'created');
      assert.ok(event.record.Last_Name && 'Email' in event.record, JSON.stringify(event));
    }
    assert.ok(events.some((event) => event.record.Last_Name === 'Created in n8n'), 'the lead the create example made is among them');
    assertNoSecret(printed, [fake.token, fake.refreshToken, CLIENT.secret]);
    assert.ok(!/ENOTFOUND|ECONNREFUSED/.test(printed), `n8n tried to reach a server outside the test:\n${printed.slice(-3000)}`);
  });
});

describe("n8n's community-package scanner on the package", () => {
  // The checks @n8n/scan-community-package runs on a package's published files, run here on
  // the packed tarball (its CLI fetches from the npm registry and needs npm provenance). The
  // README says why each of these fails; anything else failing is a regression.
  const EXPECTED_FAILURES = [
    '@n8n/community-nodes/no-restricted-globals',
    '@n8n/community-nodes/no-restricted-imports',
    '@n8n/community-nodes/valid-author',
    'n8n-nodes-base/community-package-json-author-missing',
    'n8n-nodes-base/community-package-json-license-not-default',
  ];

  it('passes every check but the ones the README explains', async () => {
    const { ESLint } = await import('eslint');
    const { buildScanConfig } = await import('@n8n/scan-community-package/scanner/scanner.mjs');
    const { default: glob } = await import('fast-glob');
    const eslint = new ESLint({ cwd: installed, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: await buildScanConfig() });
    const files = glob.sync(['**/*.js', 'package.json'], { cwd: installed, absolute: true, ignore: ['node_modules/**'] });
    const results = await eslint.lintFiles(files);
    const failing = [...new Set(results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => m.ruleId)))].sort();
    assert.deepEqual(failing, EXPECTED_FAILURES);
  });
});
