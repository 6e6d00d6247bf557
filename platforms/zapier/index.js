// The Zoho connector as a Zapier integration. Triggers, creates and searches come from the
// component's manifests (generated/manifest.json, written by `npm run build`); this file maps
// them onto Zapier's shapes and hands each run to the component, which does the Zoho work.
const zapier = require('zapier-platform-core');
const { componentInput, defaultText, kindOf } = require('../manifest/inputs.mjs');
const authentication = require('./src/authentication');
const { CONNECTION, run } = require('./src/connector');

// Required, not read from a file: the packaged app (scripts/package.mjs) carries it inside.
const manifest = require('./generated/manifest.json');

/** Records a polling trigger returns each time, newest first, for Zapier to deduplicate. */
const POLL_WINDOW = 100;
/** Reads: they go under "searches" (Zapier wants a list back); everything else is a create. */
const SEARCH = /^(crm|books)(Get|List|Search|Run|Download)/;

/** Zapier input fields from an entry's JSON Schema. */
function inputFieldsOf(entry, skip = []) {
  const required = new Set(entry.inputSchema.required ?? []);
  return Object.entries(entry.inputSchema.properties ?? {})
    .filter(([key]) => !skip.includes(key))
    .map(([key, schema]) => {
      const field = { key, label: schema.title ?? key, required: required.has(key) };
      if (schema.description) field.helpText = schema.description;
      const fallback = defaultText(schema);
      if (fallback !== undefined) field.default = fallback;
      switch (kindOf(schema)) {
        case 'choice':
          field.choices = schema.enum.map(String);
          break;
        case 'boolean':
          field.type = 'boolean';
          break;
        case 'number':
          field.type = schema.type === 'integer' ? 'integer' : 'number';
          break;
        case 'json':
          field.type = 'code';
          break;
        default:
          field.type = 'string';
      }
      return field;
    });
}

const display = (entry) => ({ label: entry.label, description: entry.description });
const noun = (entry) => (entry.product === 'books' ? 'Books Record' : entry.key.startsWith('crmRaw') || entry.key.startsWith('booksRaw') ? 'Request' : 'Record');

function toCreate(entry) {
  return {
    key: entry.key,
    noun: noun(entry),
    display: display(entry),
    operation: {
      inputFields: inputFieldsOf(entry),
      perform: (z, bundle) => run(z, bundle, (c) => c.invoke(entry.key, CONNECTION, componentInput(entry, bundle.inputData))),
      sample: Array.isArray(entry.outputExample) ? { data: entry.outputExample } : entry.outputExample,
    },
  };
}

function toSearch(entry) {
  return {
    key: entry.key,
    noun: noun(entry),
    display: display(entry),
    operation: {
      inputFields: inputFieldsOf(entry),
      perform: (z, bundle) =>
        run(z, bundle, async (c) => {
          const output = await c.invoke(entry.key, CONNECTION, componentInput(entry, bundle.inputData));
          const data = output?.data;
          if (Array.isArray(data)) return data;
          return data === undefined || data === null ? [] : [typeof data === 'object' ? data : { data }];
        }),
      sample: Array.isArray(entry.outputExample?.data) ? entry.outputExample.data[0] ?? {} : entry.outputExample?.data ?? entry.outputExample,
    },
  };
}

/**
 * The id Zapier deduplicates by: the record's id, and for updates its modification time too,
 * so each new edit of the same record triggers once.
 */
function dedupeId(entry, event) {
  if (event.event !== 'updated') return String(event.id);
  const modified = event.record?.Modified_Time ?? event.record?.last_modified_time ?? '';
  return `${event.id}-${modified}`;
}

/**
 * Zapier keeps no state and deduplicates by id, so each poll is a fresh first poll of the
 * component's trigger asking for the most recent records (its backfill), newest first.
 */
function toTrigger(entry) {
  return {
    key: entry.key,
    noun: noun(entry),
    display: display(entry),
    operation: {
      type: 'polling',
      inputFields: inputFieldsOf(entry, ['backfill', 'maxEvents']),
      perform: (z, bundle) =>
        run(z, bundle, async (c) => {
          const input = { ...componentInput(entry, bundle.inputData), backfill: POLL_WINDOW, maxEvents: POLL_WINDOW };
          if (entry.key === 'crmUpdatedRecords' && input.fields !== undefined) {
            const fields = Array.isArray(input.fields) ? input.fields : String(input.fields).split(',');
            input.fields = [...new Set([...fields.map((f) => f.trim()), 'Modified_Time'])];
          }
          const { events } = await c.poll(entry.key, CONNECTION, input, undefined);
          return events.reverse().map((event) => ({ ...event, id: dedupeId(entry, event), recordId: event.id }));
        }),
      sample: { ...entry.outputExample[0], recordId: entry.outputExample[0]?.id },
    },
  };
}

const byKey = (entries) => Object.fromEntries(entries.map((e) => [e.key, e]));

const App = {
  version: require('./package.json').version,
  platformVersion: zapier.version,
  authentication,
  triggers: byKey(manifest.triggers.filter((t) => t.kind === 'polling').map(toTrigger)),
  creates: byKey(manifest.actions.filter((a) => !SEARCH.test(a.key)).map(toCreate)),
  searches: byKey(manifest.actions.filter((a) => SEARCH.test(a.key)).map(toSearch)),
};

module.exports = App;
