// The Zapier integration in Zapier's in-process runtime (createAppTester) against fake-zoho,
// and its definition checked with zapier-platform-schema's validateAppDefinition (the tester
// does not validate).
const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const zapier = require('zapier-platform-core');
const { validateAppDefinition } = require('zapier-platform-schema');
const App = require('../index.js');

const appTester = zapier.createAppTester(App);
const { readFileSync } = require('node:fs');
const path = require('node:path');
const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'generated', 'manifest.json'), 'utf8'));

let fake;

before(async () => {
  const fakeZoho = await import('../../manifest/fake-zoho.mjs');
  fake = await fakeZoho.startFakeZoho();
});

after(() => fake?.stop());

const bundle = (inputData) => ({
  authData: { access_token: fake.token, api_domain: fake.apiDomain, dataCenter: 'eu' },
  inputData,
});

/** Functions as Zapier serializes them before validating (`$func$ARITY$f$`). */
function serialized(value) {
  if (typeof value === 'function') return `$func$${value.length}$f$`;
  if (Array.isArray(value)) return value.map(serialized);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serialized(v)]));
  }
  return value;
}

describe('generated from the manifest', () => {
  it('is a valid Zapier app definition', () => {
    const { errors } = validateAppDefinition(JSON.parse(JSON.stringify(serialized(App))));
    assert.deepEqual(errors.map((e) => `${e.property}: ${e.message}`), []);
  });

  it('has every read as a search, every other action as a create, and every polling trigger', () => {
    const reads = manifest.actions.filter((a) => a.hints.readOnly).map((a) => a.key).sort();
    assert.deepEqual(Object.keys(App.searches).sort(), reads);
    assert.deepEqual(Object.keys(App.creates).sort(), manifest.actions.filter((a) => !a.hints.readOnly).map((a) => a.key).sort());
    assert.ok(App.searches.crmBulkReadStatus && App.searches.crmBulkReadResult, 'bulk job reads are not creates');
    const offered = manifest.triggers.map((t) => t.key).sort();
    const visible = Object.entries(App.triggers).filter(([, t]) => !t.display.hidden).map(([key]) => key);
    assert.deepEqual(visible.sort(), offered);
    assert.equal(App.triggers.crmRecordNotifications.operation.type, 'hook');
    for (const [key, trigger] of Object.entries(App.triggers)) {
      if (trigger.display.hidden) continue;
      assert.match(trigger.display.description, /^Triggers (instantly )?when a record is /, key);
      assert.ok(trigger.operation.outputFields.some((f) => f.key === 'record__id' || f.key === 'id'), key);
    }
    assert.match(App.creates.crmRemoveRecord.display.description, /Destructive:/);
    const create = App.creates.crmCreateRecord.operation;
    assert.deepEqual(create.inputFieldGroups.map((g) => g.key), ['options']);
    assert.deepEqual(create.inputFields.filter((f) => f.group === 'options').map((f) => f.key), ['debugRequest', 'maxRetries', 'timeout']);
    assert.doesNotMatch(App.creates.crmCreateRecord.display.description, /Destructive:/);
    assert.ok(App.searches.crmSearchRecords && App.creates.crmCreateRecord && App.searches.crmGetRecords);
    const fields = App.searches.crmGetRecords.operation.inputFields;
    assert.deepEqual(fields.find((f) => f.key === 'sortOrder').choices, ['asc', 'desc']);
    assert.equal(fields.find((f) => f.key === 'recordType').required, true);
  });
});

describe('creates and searches', () => {
  it('creates a record and finds it', async () => {
    const created = await appTester(
      App.creates.crmCreateRecord.operation.perform,
      bundle({ recordType: 'Leads', values: '{"Last_Name": "Zapier", "Email": "zap@zylker.example"}' }),
    );
    const id = created.data[0].id;
    const found = await appTester(App.searches.crmGetRecord.operation.perform, bundle({ recordType: 'Leads', recordId: id }));
    assert.ok(Array.isArray(found), 'a search answers a list');
    assert.equal(found[0].Last_Name, 'Zapier');
    const listed = await appTester(App.searches.crmGetRecords.operation.perform, bundle({ recordType: 'Leads', fields: 'Last_Name' }));
    assert.equal(listed.length, 1, 'a list is one result, not cut to its first record');
    assert.ok(listed[0].records.some((lead) => lead.Last_Name === 'Marrier'));
    assert.equal(listed[0].recordCount, listed[0].records.length);
    assert.equal(listed[0].Last_Name, listed[0].records[0].Last_Name, 'the first record is the match');
  });

  it('shows a Zoho error the Zapier way, with no secret in it', async () => {
    await assert.rejects(
      appTester(App.searches.crmGetRecord.operation.perform, bundle({ recordType: 'Leads', recordId: '12/34' })),
      (error) => {
        assert.ok(error instanceof zapier.errors.Error, `${error?.name}: ${error?.message}`);
        assert.match(error.message, /invalid-input/);
        assert.ok(!`${error.message}${error.stack}`.includes(fake.token), 'the token leaked');
        return true;
      },
    );
    const rejected = { authData: { access_token: '1000.not-the-fake-token-1111', api_domain: fake.apiDomain }, inputData: { recordType: 'Leads', fields: 'Last_Name' } };
    await assert.rejects(appTester(App.searches.crmGetRecords.operation.perform, rejected), (error) => {
      assert.ok(error instanceof zapier.errors.RefreshAuthError, `${error?.name}: ${error?.message}`);
      assert.ok(!error.message.includes('1000.not-the-fake-token-1111'));
      return true;
    });
  });
});

describe('logs', () => {
  it("puts the component's request log on Zapier's console, with no secret in it", async () => {
    const lines = [];
    const original = console.log;
    console.log = (...args) => lines.push(args.join(' '));
    try {
      await appTester(App.searches.crmGetRecords.operation.perform, bundle({ recordType: 'Leads', fields: 'Last_Name', debugRequest: true }));
    } finally {
      console.log = original;
    }
    const text = lines.join('\n');
    assert.ok(text.includes('GET') && text.includes('/crm/v8/Leads'), text);
    assert.ok(!text.includes(fake.token), 'the token leaked into the log');
  });
});

describe('polling triggers', () => {
  it('new records: each appears once after Zapier deduplicates by id, across three polls', async () => {
    const seen = new Set();
    const delivered = [];
    const poll = async () => {
      const items = await appTester(App.triggers.crmNewRecords.operation.perform, bundle({ recordType: 'Leads', fields: 'Last_Name' }));
      assert.ok(items.length <= 100);
      for (const item of items) {
        if (!seen.has(item.id)) {
          seen.add(item.id);
          delivered.push(item.recordId);
        }
      }
      return items;
    };
    const create = async (name) =>
      (await appTester(App.creates.crmCreateRecord.operation.perform, bundle({ recordType: 'Leads', values: JSON.stringify({ Last_Name: name }) })))
        .data[0].id;
    // Records written by earlier tests settle first, so the first poll has them all.
    await fake.settle();
    await poll();
    const before = delivered.length;
    const a = await create('Zap A');
    await fake.settle();
    const second = await poll();
    assert.equal(second[0].recordId, a, 'newest first');
    const b = await create('Zap B');
    await fake.settle();
    await poll();
    assert.deepEqual(delivered.slice(before), [a, b], 'each new record once, none repeated');
  });

  it('updated records: a new edit of the same record has a new id, so Zapier triggers again', async () => {
    const created = await appTester(App.creates.crmCreateRecord.operation.perform, bundle({ recordType: 'Leads', values: '{"Last_Name": "Edited"}' }));
    const id = created.data[0].id;
    const poll = () => appTester(App.triggers.crmUpdatedRecords.operation.perform, bundle({ recordType: 'Leads', fields: 'Last_Name' }));
    const edit = (name) =>
      appTester(App.creates.crmUpdateRecord.operation.perform, bundle({ recordType: 'Leads', recordId: id, values: JSON.stringify({ Last_Name: name }) }));
    // The edit lands a second of Zoho's clock after the creation.
    await fake.advance(1);
    await edit('Edited once');
    await fake.settle();
    const first = (await poll()).find((item) => item.recordId === id);
    await edit('Edited again');
    await fake.settle();
    const second = (await poll()).find((item) => item.recordId === id);
    assert.ok(first && second, 'the record is among the recent updates');
    assert.notEqual(first.id, second.id, 'the id carries the modification time');
    assert.equal(second.record.Last_Name, 'Edited again');
  });

  it('Books new and updated records: recent ones, newest first, an update\'s id carrying its time', async () => {
    const created = await appTester(App.triggers.booksNewRecords.operation.perform, bundle({ recordType: 'contacts' }));
    assert.ok(created.length >= 1, 'the sandbox has Books contacts');
    assert.ok(created.every((item) => item.event === 'created' && item.id === item.recordId));
    const contact = created[0].recordId;
    await appTester(
      App.creates.booksUpdateRecord.operation.perform,
      bundle({ recordType: 'contacts', recordId: contact, values: '{"notes": "Edited from Zapier"}' }),
    );
    await fake.settle();
    const updated = await appTester(App.triggers.booksUpdatedRecords.operation.perform, bundle({ recordType: 'contacts' }));
    const item = updated.find((u) => u.recordId === contact);
    assert.ok(item, 'the edited contact is among the recent updates');
    assert.equal(item.id, `${contact}-${item.record.last_modified_time}`);
  });
});
