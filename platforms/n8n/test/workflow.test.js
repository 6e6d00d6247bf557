// The n8n nodes run in n8n's own engine: workflows built with n8n-workflow's Workflow and run
// by n8n-core's WorkflowExecute, with node types, credentials and lifecycle hooks supplied as
// n8n's node test harness (packages/core/nodes-testing) supplies them. Against fake-zoho.
const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const { ICredentialsHelper, Workflow, createDeferredPromise } = require('n8n-workflow');
const { ExecutionLifecycleHooks, WorkflowExecute } = require('n8n-core');
const nodes = require('../index.js');
const { manifest } = require('../nodes/manifest-properties.js');

const PACKAGE = 'n8n-nodes-zoho-connector';
const crm = new nodes.ZohoConnectorCrm();
const books = new nodes.ZohoConnectorBooks();
const crmTrigger = new nodes.ZohoConnectorCrmTrigger();
const types = {
  [`${PACKAGE}.zohoConnectorCrm`]: crm,
  [`${PACKAGE}.zohoConnectorBooks`]: books,
  [`${PACKAGE}.zohoConnectorCrmTrigger`]: crmTrigger,
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
  const additionalData = {
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
  it('offers every action as an operation of the CRM or Books node, and every CRM polling trigger', () => {
    const operations = (node) =>
      node.description.properties.filter((p) => p.name === 'operation').flatMap((p) => p.options.map((o) => o.value));
    assert.deepEqual([...operations(crm), ...operations(books)].sort(), manifest.actions.map((a) => a.key).sort());
    const events = crmTrigger.description.properties.find((p) => p.name === 'event').options.map((o) => o.value);
    assert.deepEqual(events.sort(), manifest.triggers.filter((t) => t.product === 'crm' && t.kind === 'polling').map((t) => t.key).sort());
    assert.ok(crmTrigger.description.polling);
    const credential = new nodes.ZohoConnectorOAuth2Api();
    assert.deepEqual(credential.extends, ['oAuth2Api']);
    const centers = credential.properties.find((p) => p.name === 'dataCenter').options.map((o) => o.value);
    assert.equal(centers.length, 10);
    assert.equal(centers.at(-1), 'custom');
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
        debugRequest: true,
      }),
    ]);
    assert.equal(result.status, 'success', JSON.stringify(result.data.resultData.error?.message));
    const text = lines.join('\n');
    assert.ok(text.includes('GET') && text.includes('/crm/v8/Leads'), text);
    assert.ok(!text.includes(fake.token), 'the token leaked into the log');
  });
});

describe('the CRM trigger', () => {
  it('delivers each new record exactly once over three polls, its state in the static data', async () => {
    const staticData = {};
    const poll = async () => {
      const result = await run([node('Trigger', 'zohoConnectorCrmTrigger', { event: 'crmNewRecords', recordType: 'Leads', fields: '["Last_Name"]' })], {
        staticData,
      });
      assert.notEqual(result.status, 'error', JSON.stringify(result.data.resultData.error?.message));
      const runs = result.data.resultData.runData.Trigger;
      return runs?.[0]?.data?.main?.[0]?.map((item) => item.json) ?? [];
    };
    const create = async (name) => {
      const result = await run([
        node('Create', 'zohoConnectorCrm', { resource: 'record', operation: 'crmCreateRecord', recordType: 'Leads', values: JSON.stringify({ Last_Name: name }) }),
      ]);
      return output(result, 'Create')[0].data[0].id;
    };
    assert.deepEqual(await poll(), [], 'the first poll anchors');
    assert.ok(typeof staticData['node:Trigger']?.zohoState === 'string', JSON.stringify(staticData));
    const a = await create('n8n A');
    await fake.settle();
    assert.deepEqual((await poll()).map((e) => e.id), [a]);
    const b = await create('n8n B');
    await fake.settle();
    assert.deepEqual((await poll()).map((e) => e.id), [b], 'A is not repeated');
  });
});
