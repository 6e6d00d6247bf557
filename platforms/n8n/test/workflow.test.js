// The n8n nodes run in n8n's own engine: workflows built with n8n-workflow's Workflow and run
// by n8n-core's WorkflowExecute, with node types, credentials and lifecycle hooks supplied as
// n8n's node test harness (packages/core/nodes-testing) supplies them. Against fake-zoho.
const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const { ICredentialsHelper, Workflow, createDeferredPromise } = require('n8n-workflow');
const { ExecutionLifecycleHooks, PollContext, WorkflowExecute } = require('n8n-core');
const nodes = require('../index.js');
const { manifest } = require('../nodes/manifest-properties.js');

const PACKAGE = 'n8n-nodes-zoho-connector';
const crm = new nodes.ZohoConnectorCrm();
const books = new nodes.ZohoConnectorBooks();
const crmTrigger = new nodes.ZohoConnectorCrmTrigger();
const booksTrigger = new nodes.ZohoConnectorBooksTrigger();
const instantTrigger = new nodes.ZohoConnectorCrmInstantTrigger();
const types = {
  [`${PACKAGE}.zohoConnectorCrmInstantTrigger`]: instantTrigger,
  [`${PACKAGE}.zohoConnectorCrm`]: crm,
  [`${PACKAGE}.zohoConnectorBooks`]: books,
  [`${PACKAGE}.zohoConnectorCrmTrigger`]: crmTrigger,
  [`${PACKAGE}.zohoConnectorBooksTrigger`]: booksTrigger,
};

/** The node types a workflow resolves its nodes with. */
const nodeTypes = {
  getByName: (type) => types[type],
  getByNameAndVersion: (type) => types[type],
  getKnownTypes: () => Object.fromEntries(Object.keys(types).map((type) => [type, { className: type, sourcePath: '' }])),
};

/** Hands out the test's decrypted credential, as n8n's credentials service would. */
class TestCredentialsHelper extends ICredentialsHelper {
  constructor(data) {
    super();
    this.data = data;
  }
  getParentTypes() {
    return ['oAuth2Api'];
  }
  async authenticate(_credentials, _type, requestOptions) {
    return requestOptions;
  }
  async preAuthentication() {
    return undefined;
  }
  async getCredentials() {
    throw new Error('not used: the nodes read decrypted credentials');
  }
  async getDecrypted(_additionalData, _nodeCredentials, type) {
    assert.equal(type, 'zohoConnectorOAuth2Api');
    return this.data();
  }
  async updateCredentials() {}
  async updateCredentialsOauthTokenData() {}
  getCredentialsProperties() {
    return new nodes.ZohoConnectorOAuth2Api().properties;
  }
}

let fake;
let token;

before(async () => {
  const fakeZoho = await import('../../manifest/fake-zoho.mjs');
  fake = await fakeZoho.startFakeZoho();
  token = () => ({
    dataCenter: 'eu',
    accessTokenUrl: 'https://accounts.zoho.eu/oauth/v2/token',
    oauthTokenData: { access_token: fake.token, api_domain: fake.apiDomain, token_type: 'Bearer' },
  });
});

after(() => fake?.stop());

const credentials = { zohoConnectorOAuth2Api: { id: '1', name: 'Zoho (test)' } };

/** What n8n's engine hands a node about the run: the credentials helper, URLs, hooks. */
function additionalDataFor(credentialData, hooks = undefined) {
  return {
    hooks,
    credentialsHelper: new TestCredentialsHelper(credentialData),
    currentNodeParameters: undefined,
    executionId: '1',
    userId: 'test',
    variables: {},
    restApiUrl: 'http://127.0.0.1:5678/rest',
    instanceBaseUrl: 'http://127.0.0.1:5678/',
    webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
    webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
    webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
    formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
  };
}

/**
 * One poll of `triggerNode` as an active workflow's poller runs it (a PollContext in `trigger`
 * mode, n8n-core's ActiveWorkflows); the items it emitted.
 */
async function pollActive(triggerNode, staticData) {
  const workflow = new Workflow({ id: 'test', nodes: [triggerNode], connections: {}, nodeTypes, staticData, active: true, settings: {} });
  const context = new PollContext(workflow, triggerNode, additionalDataFor(() => token()), 'trigger', 'trigger');
  const emitted = await types[triggerNode.type].poll.call(context);
  return emitted?.[0]?.map((item) => item.json) ?? [];
}

/** Runs `workflowNodes` (connected in order) in n8n's engine, from the first one; the IRun. */
async function run(workflowNodes, { staticData = {}, credentialData = () => token() } = {}) {
  const connections = {};
  for (let i = 0; i + 1 < workflowNodes.length; i += 1) {
    connections[workflowNodes[i].name] = { main: [[{ node: workflowNodes[i + 1].name, type: 'main', index: 0 }]] };
  }
  const workflow = new Workflow({
    id: 'test',
    nodes: workflowNodes,
    connections,
    nodeTypes,
    staticData,
    active: false,
    settings: {},
  });
  const hooks = new ExecutionLifecycleHooks('manual', '1', { id: 'test', name: 'test', nodes: workflowNodes, connections, active: false, settings: {} });
  const finished = createDeferredPromise();
  hooks.addHandler('workflowExecuteAfter', (fullRunData) => finished.resolve(fullRunData));
  const additionalData = additionalDataFor(credentialData, hooks);
  const runExecutionData = {
    resultData: { runData: {} },
    executionData: {
      metadata: {},
      contextData: {},
      waitingExecution: {},
      waitingExecutionSource: null,
      nodeExecutionStack: [{ node: workflowNodes[0], data: { main: [[{ json: {} }]] }, source: null }],
    },
  };
  await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
  return finished.promise;
}

const node = (name, type, parameters) => ({
  id: name,
  name,
  type: `${PACKAGE}.${type}`,
  typeVersion: 1,
  position: [0, 0],
  parameters,
  credentials,
});

/** The JSON of every item a node output in its first run. */
const output = (result, name) => {
  const runs = result.data.resultData.runData[name];
  assert.ok(runs, `${name} ran: ${JSON.stringify(result.data.resultData.error?.message)}`);
  return runs[0].data.main[0].map((item) => item.json);
};

describe('generated from the manifest', () => {
  it('offers every action as an operation of the CRM or Books node, and every polling trigger in the CRM or Books trigger', () => {
    const operations = (node) =>
      node.description.properties.filter((p) => p.name === 'operation').flatMap((p) => p.options.map((o) => o.value));
    assert.deepEqual([...operations(crm), ...operations(books)].sort(), manifest.actions.map((a) => a.key).sort());
    const events = [crmTrigger, booksTrigger].flatMap((t) => t.description.properties.find((p) => p.name === 'event').options.map((o) => o.value));
    assert.deepEqual(events.sort(), manifest.triggers.filter((t) => t.kind === 'polling').map((t) => t.key).sort());
    assert.ok(crmTrigger.description.polling);
    const credential = new nodes.ZohoConnectorOAuth2Api();
    assert.deepEqual(credential.extends, ['oAuth2Api']);
    const centers = credential.properties.find((p) => p.name === 'dataCenter').options.map((o) => o.value);
    assert.equal(centers.length, 10);
    assert.equal(centers.at(-1), 'custom');
  });
});

describe('the options every call has', () => {
  it('sit in one Options collection per operation and event, not among what the operation needs', () => {
    for (const nodeType of [crm, books, crmTrigger, booksTrigger]) {
      const properties = nodeType.description.properties;
      assert.ok(!properties.some((p) => ['debugRequest', 'maxRetries', 'timeout'].includes(p.name)), nodeType.description.name);
      const collections = properties.filter((p) => p.name === 'options');
      assert.ok(collections.length > 0 && collections.every((c) => c.type === 'collection'));
      for (const collection of collections) {
        assert.deepEqual(collection.options.map((o) => o.name).sort(), ['debugRequest', 'maxRetries', 'timeout']);
      }
    }
  });
});

describe('in a workflow', () => {
  it('creates a record, then reads it back through an expression on the first node\'s output', async () => {
    const result = await run([
      node('Create', 'zohoConnectorCrm', {
        resource: 'record',
        operation: 'crmCreateRecord',
        recordType: 'Leads',
        values: '{"Last_Name": "Workflow", "Company": "n8n"}',
      }),
      node('Read', 'zohoConnectorCrm', {
        resource: 'record',
        operation: 'crmGetRecord',
        recordType: 'Leads',
        recordId: '={{ $json.data[0].id }}',
      }),
    ]);
    assert.equal(result.status, 'success', JSON.stringify(result.data.resultData.error?.message));
    const [created] = output(result, 'Create');
    const [read] = output(result, 'Read');
    assert.equal(read.data.id, created.data[0].id);
    assert.equal(read.data.Last_Name, 'Workflow');
  });

  it('runs a Books operation', async () => {
    const result = await run([node('Organizations', 'zohoConnectorBooks', { resource: 'metadata', operation: 'booksListOrganizations' })]);
    assert.equal(result.status, 'success', JSON.stringify(result.data.resultData.error?.message));
    assert.ok(output(result, 'Organizations')[0].data.length >= 1);
  });

  it('shows a Zoho error the n8n way: the node fails with a NodeOperationError, no secret in it', async () => {
    const result = await run([
      node('Read', 'zohoConnectorCrm', { resource: 'record', operation: 'crmGetRecord', recordType: 'Leads', recordId: '12/34' }),
    ]);
    assert.equal(result.status, 'error');
    const error = result.data.resultData.error;
    assert.equal(error.name, 'NodeOperationError');
    assert.match(error.message, /invalid-input/);
    const shown = JSON.stringify({ message: error.message, description: error.description, runData: result.data.resultData.runData });
    assert.ok(!shown.includes(fake.token), 'the access token leaked');
  });
});

describe('logs', () => {
  it("puts the component's request log on n8n's logger, with no secret in it", async () => {
    // n8n's nodes log through the Logger in its DI container; this one keeps the lines.
    const { Container } = require('@n8n/di');
    const { Logger } = require('@n8n/backend-common');
    const lines = [];
    const keep = (...args) => lines.push(args.map(String).join(' '));
    const logger = { debug: keep, info: keep, warn: keep, error: keep, scoped: () => logger };
    Container.set(Logger, logger);
    const result = await run([
      node('List', 'zohoConnectorCrm', {
        resource: 'record',
        operation: 'crmGetRecords',
        recordType: 'Leads',
        fields: '["Last_Name"]',
        options: { debugRequest: true },
      }),
    ]);
    assert.equal(result.status, 'success', JSON.stringify(result.data.resultData.error?.message));
    const text = lines.join('\n');
    assert.ok(text.includes('GET') && text.includes('/crm/v8/Leads'), text);
    assert.ok(!text.includes(fake.token), 'the token leaked into the log');
  });
});

describe('the triggers', () => {
  const create = async (name) => {
    const result = await run([
      node('Create', 'zohoConnectorCrm', { resource: 'record', operation: 'crmCreateRecord', recordType: 'Leads', values: JSON.stringify({ Last_Name: name }) }),
    ]);
    return output(result, 'Create')[0].data[0].id;
  };

  it('delivers each new record exactly once over three polls of the active workflow, its state in the static data', async () => {
    const staticData = {};
    const trigger = node('Trigger', 'zohoConnectorCrmTrigger', { event: 'crmNewRecords', recordType: 'Leads', fields: '["Last_Name"]' });
    assert.deepEqual(await pollActive(trigger, staticData), [], 'the first poll anchors');
    assert.ok(typeof staticData['node:Trigger']?.zohoState === 'string', JSON.stringify(staticData));
    const a = await create('n8n A');
    await fake.settle();
    assert.deepEqual((await pollActive(trigger, staticData)).map((e) => e.id), [a]);
    const b = await create('n8n B');
    await fake.settle();
    assert.deepEqual((await pollActive(trigger, staticData)).map((e) => e.id), [b], 'A is not repeated');
  });

  it("shows recent records on a manual run (the editor's test), and leaves the active workflow's position alone", async () => {
    const staticData = {};
    const trigger = node('Trigger', 'zohoConnectorCrmTrigger', { event: 'crmNewRecords', recordType: 'Leads', fields: '["Last_Name"]' });
    await pollActive(trigger, staticData);
    const saved = staticData['node:Trigger'].zohoState;
    const result = await run([trigger], { staticData });
    assert.notEqual(result.status, 'error', JSON.stringify(result.data.resultData.error?.message));
    const shown = result.data.resultData.runData.Trigger[0].data.main[0].map((item) => item.json);
    assert.equal(shown.length, 5, 'the five newest leads');
    assert.ok(shown.every((event) => event.event === 'created' && event.record.Last_Name));
    assert.equal(staticData['node:Trigger'].zohoState, saved, 'the saved position did not move');
    const c = await create('n8n C');
    await fake.settle();
    assert.deepEqual((await pollActive(trigger, staticData)).map((e) => e.id), [c], 'the active workflow still gets the next new lead, once');
  });

  it('covers Books: a new invoice starts the Books trigger once', async () => {
    const staticData = {};
    const trigger = node('Books', 'zohoConnectorBooksTrigger', { event: 'booksNewRecords', recordType: 'invoices' });
    assert.deepEqual(await pollActive(trigger, staticData), [], 'the first poll anchors');
    const contacts = output(await run([node('Contacts', 'zohoConnectorBooks', { resource: 'record', operation: 'booksGetRecords', recordType: 'contacts' })]), 'Contacts')[0];
    const customer = contacts.data[0].contact_id;
    await fake.advance(1);
    const created = output(
      await run([
        node('Invoice', 'zohoConnectorBooks', {
          resource: 'record',
          operation: 'booksCreateRecord',
          recordType: 'invoices',
          values: JSON.stringify({ customer_id: customer, line_items: [{ name: 'Support', rate: 100, quantity: 1 }] }),
        }),
      ]),
      'Invoice',
    )[0];
    await fake.settle();
    const events = await pollActive(trigger, staticData);
    assert.deepEqual(events.map((e) => e.id), [created.data.invoice_id ?? created.data.invoice?.invoice_id]);
    assert.deepEqual(await pollActive(trigger, staticData), [], 'not repeated');
  });

  it("renews the instant trigger's channel when its poll finds it due, once, keeping its token", async () => {
    const enabled = output(
      await run([
        node('Enable', 'zohoConnectorCrm', {
          resource: 'notification',
          operation: 'crmEnableNotifications',
          events: '["Leads.create"]',
          notifyUrl: 'http://127.0.0.1:9/n8n-webhook',
          expiryHours: 2,
        }),
      ]),
      'Enable',
    )[0].data;
    const due = { ...enabled, renewAt: new Date(Date.now() - 60_000).toISOString() };
    const staticData = { 'node:Instant': { zohoChannel: due } };
    const instant = node('Instant', 'zohoConnectorCrmInstantTrigger', { events: '["Leads.create"]' });
    assert.deepEqual(await pollActive(instant, staticData), [], 'a poll starts nothing');
    const renewed = staticData['node:Instant'].zohoChannel;
    assert.equal(renewed.channelId, enabled.channelId);
    assert.equal(renewed.token, enabled.token);
    assert.ok(Date.parse(renewed.channelExpiry) > Date.now() + 6 * 86_400_000, `a week: ${renewed.channelExpiry}`);
    await pollActive(instant, staticData);
    assert.ok(Date.parse(renewed.renewAt) > Date.now(), 'the next renewal is days away');
    assert.deepEqual(staticData['node:Instant'].zohoChannel, renewed, 'so the next poll leaves it alone');
  });
});
