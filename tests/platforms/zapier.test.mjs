// The Zapier integration as `zapier-platform build` zips it (dist/packages/
// zoho-connector-zapier-VERSION.zip), unzipped into an empty folder and run the way Zapier's
// runtime runs it: its zapierwrapper.js handler, with the zip's own zapier-platform-core, on
// the Node 24 this suite runs on. The zip's definition.json is validated with the zip's own
// zapier-platform-schema (the offline build skips that).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startNotificationSink } from '../../platforms/manifest/fake-zoho.mjs';
import { artifact, assertNoSecret, emptyFolder, startFakeZoho } from './support.mjs';

const require = createRequire(import.meta.url);
const CLIENT = { id: '1000.ZAPIER', secret: 'zapier-client-secret' };

let fake;
let folder;
let handler;
let authData;
/** Everything the app printed (Zapier keeps a step's console as its log). */
let printed = '';

before(async () => {
  fake = await startFakeZoho({ client: CLIENT });
  folder = emptyFolder('zapier');
  execFileSync('unzip', ['-q', artifact(/^zoho-connector-zapier-[0-9.]+\.zip$/), '-d', folder]);
  ({ handler } = require(join(folder, 'zapierwrapper.js')));
  authData = { access_token: fake.token, refresh_token: fake.refreshToken, api_domain: fake.apiDomain, dataCenter: 'eu' };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    printed += chunk;
    return write(chunk, ...rest);
  };
});

after(() => fake?.stop());

/**
 * Runs `method` as Zapier's runtime does; the handler's `results`. `bundle` adds to the step's
 * bundle (a hook's targetUrl, subscribeData, request); `zcache` stands for Zapier's cache, as
 * zapier-platform-core's own test mode keeps it.
 */
async function execute(method, inputData = {}, auth = authData, { bundle = {}, zcache } = {}) {
  const output = await handler({
    command: 'execute',
    method,
    bundle: { authData: auth, inputData, ...bundle },
    ...(zcache ? { zcacheTestObj: zcache } : {}),
    environment: { CLIENT_ID: CLIENT.id, CLIENT_SECRET: CLIENT.secret, ZOHO_ACCOUNTS_SERVER: fake.apiDomain },
  });
  return output.results;
}

const secrets = () => [fake.token, fake.refreshToken, CLIENT.secret, authData.access_token];

describe('the zip', () => {
  it('holds a definition Zapier accepts, with the manifest keys', () => {
    const definition = JSON.parse(readFileSync(join(folder, 'definition.json'), 'utf8'));
    const { validateAppDefinition } = require(join(folder, 'node_modules/zapier-platform-schema'));
    const { errors } = validateAppDefinition(definition);
    assert.deepEqual(errors.map((e) => `${e.property}: ${e.message}`), []);
    assert.equal(definition.version, JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version);
    assert.ok(definition.searches.crmGetRecords && definition.creates.crmCreateRecord && definition.triggers.crmNewRecords);
  });
});

describe("in Zapier's runtime, from the unzipped folder", () => {
  it('tests the connection through the component: the current user', async () => {
    const user = await execute('authentication.test');
    assert.ok(user.id && user.email, JSON.stringify(user));
  });

  it('creates a lead, then finds it with a search', async () => {
    const created = await execute('creates.crmCreateRecord.operation.perform', { recordType: 'Leads', values: '{"Last_Name": "Zapier"}' });
    const id = created.data[0].id;
    const found = await execute('searches.crmGetRecord.operation.perform', { recordType: 'Leads', recordId: id });
    assert.ok(Array.isArray(found));
    assert.equal(found[0].Last_Name, 'Zapier');
  });

  it('polls new leads, newest first, with ids Zapier deduplicates by', async () => {
    // Past Zoho's settling time, so the lead just created is due.
    await fake.settle();
    const items = await execute('triggers.crmNewRecords.operation.perform', { recordType: 'Leads', fields: 'Last_Name' });
    assert.ok(items.length >= 5, `${items.length} leads`);
    assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'ids are unique');
    assert.ok(items.some((i) => i.record?.Last_Name === 'Zapier'));
  });

  it('asks Zapier to refresh when Zoho rejects the token, and works with the refreshed one', async () => {
    await fake.expireTokens();
    await assert.rejects(
      () => execute('searches.crmGetRecords.operation.perform', { recordType: 'Leads', fields: 'Last_Name' }),
      (error) => error.name === 'RefreshAuthError',
    );
    const refreshed = await execute('authentication.oauth2Config.refreshAccessToken');
    assert.ok(refreshed.access_token && refreshed.access_token !== authData.access_token);
    assert.equal(refreshed.api_domain, fake.apiDomain);
    authData = { ...authData, ...refreshed };
    const [leads] = await execute('searches.crmGetRecords.operation.perform', { recordType: 'Leads', fields: 'Last_Name' });
    assert.ok(leads.records.length >= 5);
  });

  it("fills the record type dropdown with the modules Zoho's API serves, and the fields one with the chosen module's", async () => {
    const modules = (await execute('triggers.crmListModulesChoices.operation.perform')).map((choice) => choice.id);
    for (const module of ['Leads', 'Contacts', 'Accounts', 'Deals']) assert.ok(modules.includes(module), `${module} in ${modules}`);
    assert.ok(!modules.includes('Home') && !modules.includes('SalesInbox'), `web tabs are left out: ${modules}`);
    const fields = await execute('triggers.crmListFieldsChoices.operation.perform', { recordType: 'Deals' });
    assert.ok(fields.some((choice) => choice.id === 'Stage' && choice.name === 'Stage'), JSON.stringify(fields));
    const definition = JSON.parse(readFileSync(join(folder, 'definition.json'), 'utf8'));
    const recordType = definition.creates.crmCreateRecord.operation.inputFields.find((field) => field.key === 'recordType');
    assert.equal(recordType.dynamic, 'crmListModulesChoices.id.name');
    assert.equal(recordType.altersDynamicFields, true);
    assert.equal(definition.triggers.crmListModulesChoices.display.hidden, true);
  });

  it("asks for a new record's values field by field, and creates it from them with each field's type", async () => {
    const fields = await execute('creates.crmCreateRecord.operation.inputFields', { recordType: 'Leads' });
    const byKey = Object.fromEntries(fields.map((field) => [field.key, field]));
    assert.equal(byKey['values.Last_Name'].required, true);
    assert.equal(byKey['values.Annual_Revenue.number'].type, 'number');
    assert.equal(byKey['values.Created_Time'], undefined, 'read-only fields are not asked for');
    assert.equal(byKey.values.required, false, 'the JSON is optional beside the fields');
    const created = await execute('creates.crmCreateRecord.operation.perform', {
      recordType: 'Leads',
      'values.Last_Name': 'Zapier Fields',
      'values.Annual_Revenue.number': '5000',
    });
    const [found] = await execute('searches.crmGetRecord.operation.perform', { recordType: 'Leads', recordId: created.data[0].id });
    assert.equal(found.Last_Name, 'Zapier Fields');
    assert.equal(found.Annual_Revenue, 5000);
  });

  it("attaches a file from an earlier step's URL, and downloads it as a file Zapier fetches when a step uses it", async () => {
    const served = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="minutes.txt"' });
      response.end('Minutes of the call');
    });
    await new Promise((done) => served.listen(0, '127.0.0.1', done));
    try {
      const [lead] = (await execute('searches.crmGetRecords.operation.perform', { recordType: 'Leads', fields: 'Last_Name' }))[0].records;
      const url = `http://127.0.0.1:${served.address().port}/files/${encodeURIComponent('any name')}`;
      const attached = await execute('creates.crmAddAttachment.operation.perform', { recordType: 'Leads', recordId: lead.id, fileUpload: url });
      assert.equal(attached.data.code, 'SUCCESS');
      const [file] = await execute('searches.crmDownloadAttachment.operation.perform', {
        recordType: 'Leads',
        recordId: lead.id,
        attachmentId: attached.data.details.id,
      });
      assert.equal(file.fileName, 'minutes.txt');
      assert.equal(Buffer.from(file.contentBase64, 'base64').toString('utf8'), 'Minutes of the call');
      // Zapier's pointer to the file: its hydrator runs the download again when a step needs it.
      assert.match(file.file, /^hydrate\|\|\|.*\|\|\|hydrate$/);
      const pointer = JSON.parse(file.file.split('|||')[1]);
      assert.equal(pointer.method, 'hydrators.zohoFile');
      assert.equal(pointer.bundle.key, 'crmDownloadAttachment');
      assertNoSecret(file.file, secrets());
    } finally {
      served.close();
    }
  });

  it('runs the instant trigger as a REST hook: subscribed, notified, renewed once, unsubscribed, with no channel handled by anyone', async () => {
    const sink = await startNotificationSink();
    const definition = JSON.parse(readFileSync(join(folder, 'definition.json'), 'utf8'));
    const fields = definition.triggers.crmRecordNotifications.operation.inputFields.map((field) => field.key);
    assert.ok(!fields.some((key) => ['notifyUrl', 'token', 'channelId', 'channel'].includes(key)), `${fields}`);
    const inputData = { events: 'Leads.create' };
    const channels = async () => (await execute('searches.crmListNotifications.operation.perform'))[0]?.records ?? [];
    try {
      const channel = await execute('triggers.crmRecordNotifications.operation.performSubscribe', inputData, authData, { bundle: { targetUrl: sink.url } });
      assert.ok((await channels()).some((c) => c.channelId === channel.channelId && c.notifyUrl === sink.url));
      const notified = async (lastName) => {
        const created = await execute('creates.crmCreateRecord.operation.perform', { recordType: 'Leads', values: JSON.stringify({ Last_Name: lastName }) });
        return { id: created.data[0].id, body: await sink.next() };
      };
      const first = await notified('Hooked');
      const hook = (body, subscribeData, zcache) =>
        execute('triggers.crmRecordNotifications.operation.perform', inputData, authData, {
          bundle: { subscribeData, cleanedRequest: JSON.parse(body), rawRequest: { content: body } },
          zcache,
        });
      const zcache = {};
      const events = await hook(first.body, channel, zcache);
      assert.deepEqual(events.map((e) => [e.event, e.recordId, e.record.Last_Name]), [['created', first.id, 'Hooked']]);
      assert.deepEqual(zcache, {}, 'a channel far from expiry is not renewed');
      await assert.rejects(
        () => hook(first.body.replace(channel.token, 'forged'), channel, zcache),
        (error) => /invalid-input/.test(error.message) && !error.message.includes(channel.token),
      );
      // Past the channel's renewal time (as if days had gone by): one notification renews it,
      // the next ones know it was renewed.
      const due = { ...channel, renewAt: new Date(Date.now() - 60_000).toISOString() };
      await hook((await notified('Renews')).body, due, zcache);
      const remembered = Object.values(zcache).map((text) => JSON.parse(text));
      assert.equal(remembered.length, 1, JSON.stringify(zcache));
      assert.ok(Date.parse(remembered[0].renewAt) > Date.now(), 'renewed');
      assert.ok(!JSON.stringify(zcache).includes(channel.token), 'the cache holds no token');
      const before = JSON.stringify(zcache);
      await hook((await notified('Known')).body, due, zcache);
      assert.equal(JSON.stringify(zcache), before, 'renewed once');
      await execute('triggers.crmRecordNotifications.operation.performUnsubscribe', inputData, authData, { bundle: { subscribeData: channel } });
      assert.deepEqual(await channels(), []);
      assertNoSecret(printed, [...secrets(), channel.token]);
    } finally {
      await sink.close();
    }
  });

  it('fails a step with a typed error naming the input, and logs no secret', async () => {
    await assert.rejects(
      () => execute('searches.crmGetRecord.operation.perform', { recordType: 'Leads', recordId: '12/34' }),
      (error) => /invalid-input/.test(error.message) && /recordId must be a Zoho record id/.test(error.message),
    );
    assertNoSecret(printed, secrets());
  });
});
