// The Prismatic component as `prism components:publish` uploads it (dist/packages/prismatic/:
// index.js and icon.png), required from an empty folder with nothing beside it, its actions, a
// polling trigger and the connection run with spectral's own testing helpers against fake-zoho.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startNotificationSink } from '../../platforms/manifest/fake-zoho.mjs';
import { assertNoSecret, emptyFolder, packages, startFakeZoho } from './support.mjs';

const require = createRequire(import.meta.url);
// spectral's helpers: createConnection and createHarness are exported by its testing module.
const { createConnection, createHarness } = require('@prismatic-io/spectral/dist/testing.js');

const published = join(packages, 'prismatic');
let fake;
let definition;
let harness;
let connection;

before(async () => {
  fake = await startFakeZoho();
  const folder = emptyFolder('prismatic');
  copyFileSync(join(published, 'index.js'), join(folder, 'index.js'));
  definition = require(join(folder, 'index.js')).default;
  harness = createHarness(definition);
  connection = createConnection(
    { key: 'zohoOAuth' },
    { tokenUrl: 'https://accounts.zoho.eu/oauth/v2/token', clientId: '1000.PRISMATIC', clientSecret: 'prismatic-client-secret' },
    { access_token: fake.token, api_domain: fake.apiDomain, token_type: 'Bearer' },
  );
});

after(() => fake?.stop());

describe('the published folder', () => {
  it('holds the bundle and a PNG icon, as prism validates them', () => {
    assert.equal(definition.key, 'zohoConnector');
    assert.ok(definition.display.label && definition.display.description);
    assert.equal(definition.display.iconPath, 'icon.png');
    const icon = readFileSync(join(published, 'icon.png'));
    assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'icon.png is a PNG');
    assert.ok(definition.connections.some((c) => c.key === 'zohoOAuth'), 'the connection key stays zohoOAuth');
  });

  it('shows an example payload for every action and trigger', () => {
    for (const [key, item] of [...Object.entries(definition.actions), ...Object.entries(definition.triggers)]) {
      assert.ok(item.examplePayload, `${key} has an example payload`);
    }
    assert.ok(definition.triggers.crmNewRecords.examplePayload.payload.body.data.events.length > 0);
  });
});

describe('run by spectral from an empty folder', () => {
  it('creates a lead and reads it back', async () => {
    const created = await harness.action('crmCreateRecord', { connection, recordType: 'Leads', values: '{"Last_Name": "Prismatic"}' });
    const id = created.data.data[0].id;
    const read = await harness.action('crmGetRecord', { connection, recordType: 'Leads', recordId: id });
    assert.equal(read.data.data.Last_Name, 'Prismatic');
  });

  it('polls new leads: the first run anchors, the next reports the new one once', async () => {
    const instanceState = {};
    const params = { connection, recordType: 'Leads', fields: 'Last_Name' };
    const first = await harness.trigger('crmNewRecords', undefined, params, { instanceState });
    assert.deepEqual(first.payload.body.data.events, []);
    await fake.advance(1);
    const created = await harness.action('crmCreateRecord', { connection, recordType: 'Leads', values: '{"Last_Name": "Polled"}' });
    await fake.settle();
    const second = await harness.trigger('crmNewRecords', undefined, params, { instanceState });
    assert.deepEqual(second.payload.body.data.events.map((e) => e.id), [created.data.data[0].id]);
    const third = await harness.trigger('crmNewRecords', undefined, params, { instanceState });
    assert.deepEqual(third.payload.body.data.events, []);
  });

  it("fills the record type picklist with the modules Zoho's API serves, and the fields one with the chosen module's", async () => {
    const recordType = definition.actions.crmCreateRecord.inputs.find((i) => i.key === 'recordType');
    assert.equal(recordType.dataSource, 'crmListModulesChoices');
    const modules = (await harness.dataSource(recordType.dataSource, { connection })).result.map((choice) => choice.key);
    for (const module of ['Leads', 'Contacts', 'Accounts', 'Deals']) assert.ok(modules.includes(module), `${module} in ${modules}`);
    assert.ok(!modules.includes('Home') && !modules.includes('SalesInbox'), `web tabs are left out: ${modules}`);
    const fieldsInput = definition.actions.crmGetRecords.inputs.find((i) => i.key === 'fields');
    const { result } = await harness.dataSource(fieldsInput.dataSource, { connection, recordType: 'Deals' });
    assert.ok(result.some((choice) => choice.key === 'Stage'), JSON.stringify(result));
  });

  it("creates a lead from key/value rows, each value typed by the module's field", async () => {
    const rows = definition.actions.crmCreateRecord.inputs.find((i) => i.key === 'valuesFields');
    assert.equal(rows.collection, 'keyvaluelist');
    const created = await harness.action('crmCreateRecord', {
      connection,
      recordType: 'Leads',
      values: '',
      valuesFields: [
        { key: 'Last_Name', value: 'Prismatic Rows' },
        { key: 'Annual_Revenue', value: '7500' },
      ],
    });
    const read = await harness.action('crmGetRecord', { connection, recordType: 'Leads', recordId: created.data.data[0].id });
    assert.equal(read.data.data.Last_Name, 'Prismatic Rows');
    assert.equal(read.data.data.Annual_Revenue, 7500);
  });

  it("attaches a step's file data to a lead, and downloads it as a buffer with its content type", async () => {
    const created = await harness.action('crmCreateRecord', { connection, recordType: 'Leads', values: '{"Last_Name": "With File"}' });
    const leadId = created.data.data[0].id;
    const attached = await harness.action('crmAddAttachment', {
      connection,
      recordType: 'Leads',
      recordId: leadId,
      fileName: 'minutes.txt',
      fileUpload: { data: Buffer.from('Minutes of the call'), contentType: 'text/plain' },
    });
    assert.equal(attached.data.data.code, 'SUCCESS');
    const downloaded = await harness.action('crmDownloadAttachment', {
      connection,
      recordType: 'Leads',
      recordId: leadId,
      attachmentId: attached.data.data.details.id,
    });
    assert.ok(Buffer.isBuffer(downloaded.data), 'the file is a Buffer');
    assert.equal(downloaded.data.toString('utf8'), 'Minutes of the call');
    assert.match(downloaded.contentType, /^text\/plain/);
  });

  it('runs the instant trigger with no channel handled by anyone: opened on deploy, notifications verified, renewed, closed on delete', async () => {
    const sink = await startNotificationSink();
    const published = definition.triggers.crmRecordNotifications;
    assert.ok(!published.inputs.some((i) => ['channel', 'notifyUrl', 'token', 'channelId'].includes(i.key)), 'nothing of the channel is asked for');
    assert.ok(published.hasWebhookCreateFunction && published.hasWebhookDeleteFunction);
    const flow = { id: 'flow-1', name: 'Flow 1', stableId: 'flow-1' };
    const logger = { debug() {}, info() {}, warn() {}, error() {}, metric() {} };
    const context = (instanceState) => ({ logger, flow, webhookUrls: { 'Flow 1': sink.url }, instanceState, crossFlowState: {}, executionState: {}, integrationState: {} });
    const params = { connection, events: ['Leads.create'] };
    const channels = async () => (await harness.action('crmListNotifications', { connection })).data.data;
    try {
      const { instanceState } = await published.webhookCreate(context({}), params);
      const channel = instanceState.zohoChannel;
      assert.ok((await channels()).some((c) => c.channelId === channel.channelId && c.notifyUrl === sink.url));
      const created = await harness.action('crmCreateRecord', { connection, recordType: 'Leads', values: '{"Last_Name": "Instant"}' });
      const body = await sink.next();
      const run = await harness.trigger('crmRecordNotifications', { headers: {}, queryParameters: {}, rawBody: { data: Buffer.from(body) }, body: { data: JSON.parse(body) } }, params, { instanceState });
      assert.deepEqual(run.payload.body.data.events.map((e) => [e.event, e.id]), [['created', created.data.data[0].id]]);
      await assert.rejects(
        () => harness.trigger('crmRecordNotifications', { headers: {}, rawBody: { data: body.replace(channel.token, 'forged') } }, params, { instanceState }),
        (error) => /invalid-input/.test(error.message) && !error.message.includes(channel.token),
      );
      const due = { zohoChannel: { ...channel, renewAt: new Date(Date.now() - 60_000).toISOString() } };
      const scheduled = await harness.trigger('crmRecordNotifications', { headers: {}, rawBody: { data: '' } }, params, { instanceState: due });
      assert.deepEqual(scheduled.payload.body.data.events, []);
      assert.equal(scheduled.instanceState.zohoChannel.token, channel.token);
      assert.ok(Date.parse(scheduled.instanceState.zohoChannel.renewAt) > Date.now(), 'renewed');
      await published.webhookDelete(context(scheduled.instanceState), params);
      assert.deepEqual(await channels(), []);
    } finally {
      await sink.close();
    }
  });

  it('fails a step with a typed error naming the input, and no secret', async () => {
    await assert.rejects(
      () => harness.action('crmGetRecord', { connection, recordType: 'Leads', recordId: '12/34' }),
      (error) => {
        assert.match(error.message, /invalid-input/);
        assert.match(error.message, /recordId must be a Zoho record id \(a string of digits\), got/);
        assertNoSecret(`${error.message} ${error.stack}`, [fake.token, 'prismatic-client-secret']);
        return true;
      },
    );
  });

  it('asks to authorize the connection again when Zoho rejects its token', async () => {
    const expired = createConnection(
      { key: 'zohoOAuth' },
      { tokenUrl: 'https://accounts.zoho.eu/oauth/v2/token' },
      { access_token: '1000.expired.token', api_domain: fake.apiDomain },
    );
    await assert.rejects(
      () => harness.action('crmListModules', { connection: expired }),
      (error) => /credential/.test(error.message) && !error.message.includes('1000.expired.token'),
    );
  });
});
