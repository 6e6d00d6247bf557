// The Prismatic component in spectral's own test runtime (testing.invoke, invokeTrigger,
// createConnection) against fake-zoho.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
// spectral's testing module (createConnection and defaultTriggerPayload are only exported there).
import testing from '@prismatic-io/spectral/dist/testing.js';
import componentDefinition, { actions, manifest, triggers } from '../src/index.js';
import { zohoOAuth } from '../src/connection.js';
import { DATA_CENTERS } from '../../manifest/zoho-accounts.mjs';
import { startFakeZoho, startNotificationSink } from '../../manifest/fake-zoho.mjs';

let fake;
let connection;

before(async () => {
  fake = await startFakeZoho();
  connection = testing.createConnection(
    zohoOAuth,
    { tokenUrl: 'https://accounts.zoho.eu/oauth/v2/token', clientId: '1000.PRISMATIC', clientSecret: 'prismatic-client-secret' },
    { access_token: fake.token, api_domain: fake.apiDomain, token_type: 'Bearer' },
  );
});

after(() => fake?.stop());

/** Fails when a secret appears in anything a flow's logs or errors would show. */
function assertNoSecret(text) {
  assert.ok(!text.includes(fake.token), `the access token leaked: ${text}`);
  assert.ok(!text.includes('prismatic-client-secret'), `the client secret leaked: ${text}`);
}

describe('generated from the manifest', () => {
  it('has every action and trigger of the component, and nothing else', () => {
    assert.deepEqual(Object.keys(actions).sort(), manifest.actions.map((a) => a.key).sort());
    assert.deepEqual(Object.keys(triggers).sort(), manifest.triggers.map((t) => t.key).sort());
    assert.ok(manifest.actions.length >= 55, `${manifest.actions.length} actions`);
    assert.equal(componentDefinition.key, 'zohoConnector');
  });

  it('gives every action and trigger an example payload from the manifest, shaped as its run returns', async () => {
    for (const entry of manifest.actions) {
      const example = actions[entry.key].examplePayload;
      if (entry.outputExample?.data?.contentBase64 !== undefined) {
        // A download's step gives the file itself.
        assert.deepEqual(example, { data: Buffer.from(entry.outputExample.data.contentBase64, 'base64'), contentType: entry.outputExample.data.contentType }, entry.key);
      } else {
        assert.deepEqual(example, { data: entry.outputExample }, entry.key);
      }
    }
    for (const entry of manifest.triggers) {
      assert.deepEqual(triggers[entry.key].examplePayload.payload.body.data.events, entry.outputExample, entry.key);
    }
    let saved = {};
    const polling = { getState: () => saved, setState: (state) => { saved = state; }, invokeAction: async () => ({}) };
    const polled = await testing.invokeTrigger(triggers.crmNewRecords, { polling }, undefined, { connection, recordType: 'Leads', fields: 'Last_Name' });
    assert.deepEqual(
      Object.keys(polled.result.payload.body.data).sort(),
      Object.keys(triggers.crmNewRecords.examplePayload.payload.body.data).sort(),
    );
  });

  it('maps each JSON Schema input to a spectral input, required and dropdowns kept', () => {
    const getRecords = manifest.actions.find((a) => a.key === 'crmGetRecords');
    const inputs = actions.crmGetRecords.inputs;
    for (const name of Object.keys(getRecords.inputSchema.properties)) {
      assert.ok(inputs[name], `input ${name}`);
    }
    assert.equal(inputs.recordType.required, true);
    assert.equal(inputs.sortOrder.type, 'string');
    assert.deepEqual(inputs.sortOrder.model.map((m) => m.value), ['asc', 'desc']);
    assert.equal(inputs.fetchAll.type, 'boolean');
    assert.equal(inputs.connection.type, 'connection');
  });

  it('offers every Zoho data center, the same as the Rust host knows', () => {
    const facts = readFileSync(new URL('../../../zoho-facts/src/data_centers.rs', import.meta.url), 'utf8');
    for (const center of DATA_CENTERS) {
      assert.ok(facts.includes(`"${center.accounts}"`) && facts.includes(`"${center.api}"`), center.code);
    }
    const tokenUrls = zohoOAuth.inputs.tokenUrl.model.map((m) => m.value);
    assert.ok(tokenUrls.includes('https://accounts.zohocloud.ca/oauth/v2/token'));
    assert.equal(tokenUrls.length, DATA_CENTERS.length);
  });
});

describe('actions', () => {
  it('lists and creates records through the connection', async () => {
    const listed = await testing.invoke(actions.crmGetRecords, { connection, recordType: 'Leads', fields: 'Last_Name' });
    assert.ok(listed.result.data.data.some((lead) => lead.Last_Name === 'Marrier'));
    const created = await testing.invoke(actions.crmCreateRecord, {
      connection,
      recordType: 'Leads',
      values: '{"Last_Name": "Prismatic", "Company": "Spectral"}',
    });
    const id = created.result.data.data[0].id;
    const read = await testing.invoke(actions.crmGetRecord, { connection, recordType: 'Leads', recordId: id });
    assert.equal(read.result.data.data.Last_Name, 'Prismatic');
  });

  it('fails a step the Prismatic way: a thrown Error naming the Zoho error, with no secret', async () => {
    await assert.rejects(
      testing.invoke(actions.crmGetRecord, { connection, recordType: 'Leads', recordId: '12/34' }),
      (error) => {
        assert.ok(error instanceof Error);
        assert.equal(error.name, 'ZohoError');
        assert.match(error.message, /invalid-input/);
        assert.match(error.message, /recordId/);
        assertNoSecret(`${error.message} ${error.stack}`);
        return true;
      },
    );
    const unauthorized = testing.createConnection(zohoOAuth, { tokenUrl: 'https://accounts.zoho.eu/oauth/v2/token' }, {
      access_token: '1000.not-a-valid-token-for-the-fake-0000',
      api_domain: fake.apiDomain,
    });
    await assert.rejects(
      testing.invoke(actions.crmGetRecords, { connection: unauthorized, recordType: 'Leads', fields: 'Last_Name' }),
      (error) => {
        assert.match(error.message, /credential|unauthorized/);
        assert.ok(!error.message.includes('1000.not-a-valid-token-for-the-fake-0000'), error.message);
        return true;
      },
    );
  });
});

describe('logs', () => {
  it("puts the component's request log on the step's logger, with no secret in it", async () => {
    const { loggerMock } = await testing.invoke(actions.crmGetRecords, {
      connection,
      recordType: 'Leads',
      fields: 'Last_Name',
      debugRequest: true,
    });
    const lines = ['trace', 'debug', 'info', 'log', 'warn', 'error']
      .flatMap((level) => loggerMock[level]?.mock?.calls ?? [])
      .map((call) => call.join(' '));
    assert.ok(lines.some((line) => line.includes('GET') && line.includes('/crm/v8/Leads')), lines.join('\n'));
    assertNoSecret(lines.join('\n'));
  });
});

describe('triggers', () => {
  it('a polling trigger delivers each new record exactly once across three polls', async () => {
    // Prismatic keeps the polling state between runs; the test helpers do not, so this does.
    let saved = {};
    const polling = { getState: () => saved, setState: (state) => { saved = state; }, invokeAction: async () => ({}) };
    const poll = async () => {
      const { result } = await testing.invokeTrigger(
        triggers.crmNewRecords,
        { polling },
        undefined,
        { connection, recordType: 'Leads', fields: 'Last_Name' },
      );
      return result;
    };
    const first = await poll();
    assert.deepEqual(first.payload.body.data.events, [], 'the first poll anchors');
    assert.equal(first.polledNoChanges, true);
    const create = async (name) =>
      (await testing.invoke(actions.crmCreateRecord, { connection, recordType: 'Leads', values: JSON.stringify({ Last_Name: name }) }))
        .result.data.data[0].id;
    const a = await create('Poll A');
    await fake.settle();
    const second = await poll();
    assert.deepEqual(second.payload.body.data.events.map((e) => e.id), [a]);
    assert.equal(second.polledNoChanges, false);
    const b = await create('Poll B');
    await fake.settle();
    const third = await poll();
    assert.deepEqual(third.payload.body.data.events.map((e) => e.id), [b], 'A is not repeated');
    assert.ok(typeof saved.zohoState === 'string' && saved.zohoState.length > 0);
  });

  it('a failed poll leaves the polling state as it was', async () => {
    let saved = { zohoState: 'not a state' };
    const polling = { getState: () => saved, setState: (state) => { saved = state; }, invokeAction: async () => ({}) };
    await assert.rejects(
      testing.invokeTrigger(triggers.crmNewRecords, { polling }, undefined, { connection, recordType: 'Leads' }),
      /invalid-input/,
    );
    assert.deepEqual(saved, { zohoState: 'not a state' });
  });

  it('the instant trigger opens its own channel, turns notifications into events, refuses a forged one, renews and closes', async () => {
    const sink = await startNotificationSink();
    const definition = triggers.crmRecordNotifications;
    assert.equal(definition.inputs.channel, undefined, 'no channel to paste');
    assert.equal(definition.inputs.notifyUrl, undefined, 'the flow\'s URL is the notify URL');
    const flow = { id: 'flow-1', name: 'Flow 1', stableId: 'flow-1' };
    const context = (instanceState) => ({ ...testing.createActionContext?.(), logger: console, flow, webhookUrls: { 'Flow 1': sink.url }, instanceState });
    const params = { connection, events: ['Leads.create'] };
    const channels = async () => (await testing.invoke(actions.crmListNotifications, { connection })).result.data.data;
    try {
      const { instanceState } = await definition.webhookLifecycleHandlers.create(context({}), params);
      const channel = instanceState.zohoChannel;
      assert.equal(channel.notifyUrl, sink.url);
      assert.ok((await channels()).some((c) => c.channelId === channel.channelId));
      const created = await testing.invoke(actions.crmCreateRecord, { connection, recordType: 'Leads', values: '{"Last_Name": "Heard"}' });
      const id = created.result.data.data[0].id;
      const body = await sink.next();
      const payload = { ...testing.defaultTriggerPayload(), rawBody: { data: Buffer.from(body) } };
      const { result } = await testing.invokeTrigger(definition, { instanceState }, payload, params);
      assert.deepEqual(result.payload.body.data.events.map((e) => [e.event, e.id, e.record.Last_Name]), [['created', id, 'Heard']]);
      assert.equal(result.instanceState, undefined, 'a channel far from expiry is left alone');
      const forged = { ...testing.defaultTriggerPayload(), rawBody: { data: body.replace(/"token":"[^"]*"/, '"token":"forged"') } };
      await assert.rejects(testing.invokeTrigger(definition, { instanceState }, forged, params), (error) => {
        assert.match(error.message, /invalid-input/);
        assert.ok(!error.message.includes(channel.token), 'the channel token leaked');
        return true;
      });
      // A two-hour channel whose renewal time has come, as the flow's state holds it some
      // hours later: a scheduled run of a flow that sets no expiry renews it for Zoho's week.
      const { instanceState: opened } = await definition.webhookLifecycleHandlers.create(context({}), { ...params, expiryHours: 2 });
      const dayLong = { zohoChannel: { ...opened.zohoChannel, renewAt: new Date(Date.now() - 60_000).toISOString() } };
      const scheduled = await testing.invokeTrigger(definition, { instanceState: dayLong }, testing.defaultTriggerPayload(), params);
      assert.deepEqual(scheduled.result.payload.body.data.events, []);
      const renewed = scheduled.result.instanceState.zohoChannel;
      assert.equal(renewed.channelId, dayLong.zohoChannel.channelId);
      assert.equal(renewed.token, dayLong.zohoChannel.token, 'the token is kept');
      assert.ok(Date.parse(renewed.channelExpiry) > Date.now() + 6 * 86_400_000, `renewed until ${renewed.channelExpiry}`);
      assert.ok(Date.parse(renewed.renewAt) > Date.now(), 'the next renewal is ahead');
      const listed = (await channels()).find((c) => c.channelId === renewed.channelId);
      assert.equal(listed.channelExpiry, renewed.channelExpiry, 'Zoho holds the new expiry');
      for (const state of [instanceState, { zohoChannel: renewed }]) {
        await definition.webhookLifecycleHandlers.delete(context(state), params);
      }
      assert.deepEqual(await channels(), [], 'both channels are closed');
    } finally {
      await sink.close();
    }
  });
});
