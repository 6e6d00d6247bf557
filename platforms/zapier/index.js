// The Zoho connector as a Zapier integration. Triggers, creates and searches come from the
// component's manifests (generated/manifest.json, written by `npm run build`); this file maps
// them onto Zapier's shapes and hands each run to the component, which does the Zoho work.
const zapier = require('zapier-platform-core');
const { COMMON_OPTIONS, componentInput, defaultText, kindOf } = require('../manifest/inputs.mjs');
const { choiceSourcesOf, dropdownListings, listingIdentity, listingInput, loadChoices, valuesWithRows } = require('../manifest/choices.mjs');
const { descriptionOf, outputFieldsOf, prefixOf, triggerSubject, unprefixed } = require('../manifest/texts.mjs');
const { fileInputs, fileOf, returnsFile, takesFile } = require('../manifest/files.mjs');
const { closeChannel, isNotification, lifecycleForm, openChannel, renewChannel, renewDue } = require('../manifest/channels.mjs');
const authentication = require('./src/authentication');
const { CONNECTION, run } = require('./src/connector');

// Required, not read from a file: the packaged app (scripts/package.mjs) carries it inside.
const manifest = require('./generated/manifest.json');

/** Records a polling trigger returns each time, newest first, for Zapier to deduplicate. */
const POLL_WINDOW = 100;
/** The hidden trigger filling each dropdown: one per listing the actions and triggers need. */
const dropdowns = dropdownListings([...manifest.actions, ...manifest.triggers]);
const dropdownFor = (source) => dropdowns.get(listingIdentity(source)).key;

/**
 * A record's values field by field: a form field per module field, keyed `input.Field`, with
 * the value's JSON type after one more dot when it is not text (`values.Annual_Revenue.number`).
 * Zoho's API names hold no dot, and the key carries the type so that a run types the value
 * without listing the module's fields again.
 */
const fieldKey = (input, field, type = 'string') => (type === 'string' ? `${input}.${field}` : `${input}.${field}.${type}`);
const fromFieldKey = (input, key) => {
  const [name, field, type] = key.split('.');
  return name === input && field ? { field, type: type ?? 'string' } : undefined;
};

/** Zapier's field types for the JSON types the manifest names. */
const FIELD_TYPES = { integer: 'integer', number: 'number', boolean: 'boolean' };

/**
 * The form fields for one record's values, field by field, from the module chosen in the
 * form: Zapier asks for them again whenever the record type changes (`altersDynamicFields`).
 */
function byFieldInputs(entry, input, source) {
  const creates = entry.hints?.idempotent === false;
  return async (z, bundle) => {
    if (listingInput(source, bundle.inputData ?? {}) === undefined) return [];
    const fields = await run(z, bundle, (c) =>
      loadChoices((key, listing) => c.invoke(key, CONNECTION, listing), source, bundle.inputData ?? {}),
    );
    return fields.map((field) => ({
      key: fieldKey(input, field.value, field.type),
      label: field.label,
      helpText: `${field.value} (${field.type})`,
      required: creates && field.required === true,
      type: FIELD_TYPES[field.type] ?? 'string',
    }));
  };
}

/** Zapier input fields from an entry's JSON Schema and choice sources. */
function inputFieldsOf(entry, skip = []) {
  const required = new Set(entry.inputSchema.required ?? []);
  const sources = choiceSourcesOf(entry);
  const rowsFrom = Object.values(sources).filter((s) => s.takes === 'member-names');
  const altering = new Set(rowsFrom.flatMap((s) => Object.values(s.arguments)));
  const fields = Object.entries(entry.inputSchema.properties ?? {})
    .filter(([key]) => !skip.includes(key))
    .map(([key, schema]) => {
      const source = sources[key];
      const rows = source?.takes === 'member-names';
      // A record's values may come field by field instead, so the JSON is then optional.
      const field = { key, label: schema.title ?? key, required: required.has(key) && !rows };
      if (schema.description) field.helpText = rows ? `${schema.description} Or fill in the fields below; they win over the same fields here.` : schema.description;
      const fallback = defaultText(schema);
      if (fallback !== undefined) field.default = fallback;
      if (altering.has(key)) field.altersDynamicFields = true;
      if (COMMON_OPTIONS.includes(key)) field.group = OPTIONS_GROUP.key;
      if (source && !rows) {
        field.dynamic = `${dropdownFor(source)}.id.name`;
        if (source.takes === 'several') field.list = true;
        return field;
      }
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
  if (takesFile(entry)) {
    fields.push({
      key: FILE_FIELD,
      label: 'File',
      type: 'file',
      required: false,
      helpText: 'A file from an earlier step; its name and type go along. Or give the file as text or base64 instead.',
    });
  }
  for (const [input, source] of Object.entries(sources)) {
    if (source.takes === 'member-names' && !skip.includes(input)) fields.push(byFieldInputs(entry, input, source));
  }
  return fields;
}

/** Where the common options are folded away in Zapier's form. */
const OPTIONS_GROUP = { key: 'options', label: 'Options', emphasize: false };

/** An operation with its input fields, and the options group when a field is in it. */
const withFields = (fields, operation) => ({
  inputFields: fields,
  ...(fields.some((field) => field.group === OPTIONS_GROUP.key) ? { inputFieldGroups: [OPTIONS_GROUP] } : {}),
  ...operation,
});

/** The file field of an upload: Zapier hands the action a URL to fetch the file from. */
const FILE_FIELD = 'fileUpload';

/** The name a file fetched from `url` goes by: its Content-Disposition's, else the URL's last segment. */
function fileNameOf(response, url) {
  const disposition = response.getHeader('content-disposition') ?? '';
  const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  if (named) return decodeURIComponent(named);
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : 'file';
}

/** The component's input for a step, with the step's file fetched from the URL Zapier gave. */
async function withFile(z, entry, inputData) {
  const input = stepInput(entry, inputData);
  const url = inputData[FILE_FIELD];
  if (!takesFile(entry) || typeof url !== 'string' || url === '') return input;
  const response = await z.request({ url, raw: true });
  if (response.status >= 400) throw new z.errors.Error(`${FILE_FIELD} could not be fetched: HTTP ${response.status}`, 'file', response.status);
  const bytes = Buffer.from(await response.buffer());
  return fileInputs(entry, input, { bytes, fileName: fileNameOf(response, url), contentType: response.getHeader('content-type') });
}

/**
 * A downloaded file as Zapier carries files: a pointer Zapier turns into a file (through
 * `hydrators.zohoFile`) only when a later step uses it, so a step's output stays small.
 */
const hydrators = {
  zohoFile: async (z, bundle) => {
    const { key, input } = bundle.inputData;
    const entry = manifest.actions.find((action) => action.key === key && returnsFile(action));
    if (!entry) throw new z.errors.Error(`${key} is not an action that returns a file`, 'file', 400);
    const file = fileOf(await run(z, bundle, (c) => c.invoke(key, CONNECTION, input)));
    return z.stashFile(file.bytes, file.bytes.length, file.fileName, file.contentType);
  },
};

/** The component's input from a step's fields: dropdown lists, then field-by-field values. */
function stepInput(entry, inputData) {
  const params = { ...inputData };
  for (const [name, source] of Object.entries(choiceSourcesOf(entry))) {
    const value = params[name];
    if (source.takes === 'several' && Array.isArray(value)) params[name] = value.filter((v) => v !== '');
    if (source.takes === 'member-names') {
      const rows = [];
      const types = [];
      for (const [key, row] of Object.entries(inputData)) {
        const named = fromFieldKey(name, key);
        if (!named) continue;
        rows.push({ key: named.field, value: row });
        types.push({ value: named.field, type: named.type });
      }
      params[name] = valuesWithRows(name, componentInput(entry, { [name]: value })[name], rows, types);
    }
  }
  return componentInput(entry, params);
}

const display = (entry) => ({ label: entry.label, description: descriptionOf(entry) });

/** Zapier's output field types; arrays and objects are shown as text. */
const OUTPUT_TYPES = new Set(['string', 'number', 'integer', 'boolean']);
const outputFields = (schema) =>
  outputFieldsOf(schema).map(({ key, type }) => ({ key, label: key.replaceAll('__', ' ').replaceAll('[]', ' '), type: OUTPUT_TYPES.has(type) ? type : 'string' }));
const noun = (entry) => (entry.product === 'books' ? 'Books Record' : entry.key.startsWith('crmRaw') || entry.key.startsWith('booksRaw') ? 'Request' : 'Record');

function toCreate(entry) {
  return {
    key: entry.key,
    noun: noun(entry),
    display: display(entry),
    operation: withFields(inputFieldsOf(entry), {
      perform: async (z, bundle) => {
        const input = await withFile(z, entry, bundle.inputData);
        return run(z, bundle, (c) => c.invoke(entry.key, CONNECTION, input));
      },
      sample: Array.isArray(entry.outputExample) ? { data: entry.outputExample } : entry.outputExample,
      outputFields: outputFields(entry.outputSchema),
    }),
  };
}

/**
 * A search's results from a read's output. Zapier takes the first result as the match: a read
 * of one record (`data` an object) gives it; a read of a list gives its first record at the top
 * with every record in `records` and the rest of the output (paging, cursor) beside them, so a
 * list of 200 is never cut to its first record; an empty list is "nothing found".
 */
function searchResults(output) {
  const data = output?.data;
  if (Array.isArray(data)) {
    if (data.length === 0) return [];
    const { data: _records, ...rest } = output;
    const first = data[0] !== null && typeof data[0] === 'object' ? data[0] : { value: data[0] };
    return [{ ...first, ...rest, records: data, recordCount: data.length }];
  }
  if (data === undefined || data === null) return output === undefined || output === null ? [] : [output];
  return [typeof data === 'object' ? data : { data }];
}

/** A search's label and description as Zapier words them: "Find ...", "Finds ...". */
function searchDisplay(entry) {
  const name = unprefixed(entry.label).replace(/^(Get|List|Search|Run|Download) /, '');
  return { label: `${prefixOf(entry.label)}Find ${name}`, description: `Finds: ${descriptionOf(entry)}` };
}

function toSearch(entry) {
  const [sample] = searchResults(entry.outputExample);
  return {
    key: entry.key,
    noun: noun(entry),
    display: searchDisplay(entry),
    operation: withFields(inputFieldsOf(entry), {
      perform: (z, bundle) =>
        run(z, bundle, async (c) => {
          const input = stepInput(entry, bundle.inputData);
          const results = searchResults(await c.invoke(entry.key, CONNECTION, input));
          // A download's file, for later steps, beside its name, type and base64.
          if (returnsFile(entry)) for (const result of results) result.file = z.dehydrateFile(hydrators.zohoFile, { key: entry.key, input });
          return results;
        }),
      sample: sample ?? {},
      ...(returnsFile(entry) ? { outputFields: [{ key: 'file', label: 'File', type: 'file' }] } : {}),
    }),
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
    // Zapier's words: "New Record", "Triggers when a record is created in ...".
    display: {
      label: entry.label.replace(/Records$/, 'Record'),
      description: `Triggers when ${triggerSubject(entry)}. ${descriptionOf(entry)}`,
    },
    operation: withFields(inputFieldsOf(entry, ['backfill', 'maxEvents']), {
      type: 'polling',
      perform: (z, bundle) =>
        run(z, bundle, async (c) => {
          // Each event's record carries its creation and modification times whatever the fields
          // asked for (the component orders events by them), which the dedupe id needs.
          const input = { ...stepInput(entry, bundle.inputData), backfill: POLL_WINDOW, maxEvents: POLL_WINDOW };
          const { events } = await c.poll(entry.key, CONNECTION, input, undefined);
          return events.reverse().map((event) => ({ ...event, id: dedupeId(entry, event), recordId: event.id }));
        }),
      sample: { ...entry.outputExample[0], recordId: entry.outputExample[0]?.id },
      outputFields: [{ key: 'recordId', label: 'Record ID', type: 'string' }, ...outputFields(entry.outputSchema?.items)],
    }),
  };
}

/** How long Zapier's cache keeps what a renewal changed: past the longest channel's life. */
const RENEWAL_MEMORY_SECONDS = 8 * 24 * 3600;

/**
 * An instant trigger as a REST hook: Zapier subscribes as a Zap is turned on (the component
 * opens a channel to Zapier's URL; the channel, token included, is Zapier's subscribeData) and
 * unsubscribes as it is turned off. Each notification is verified with the channel's token by
 * the component. Zapier gives a hook no schedule and no way to change subscribeData, so a
 * channel is renewed when a notification arrives past its renewal time, and what the renewal
 * changed is kept in Zapier's cache so the next notifications do not renew again. A Zap that
 * hears nothing for Zoho's week loses its channel; turning it off and on opens a new one.
 */
function toHookTrigger(instant) {
  const entry = lifecycleForm(instant);
  const invokeWith = (c) => (key, input) => c.invoke(key, CONNECTION, input);
  return {
    key: entry.key,
    noun: noun(entry),
    display: {
      label: entry.label.replace(/\(instant\)$/, '(Instant)'),
      description: `Triggers instantly when ${triggerSubject(entry)}. ${descriptionOf(entry)} The trigger opens, renews and closes its channel itself.`,
    },
    operation: withFields(inputFieldsOf(entry), {
      type: 'hook',
      performSubscribe: (z, bundle) =>
        run(z, bundle, (c) => openChannel(invokeWith(c), entry, stepInput(entry, bundle.inputData ?? {}), bundle.targetUrl)),
      performUnsubscribe: (z, bundle) =>
        run(z, bundle, async (c) => {
          await closeChannel(invokeWith(c), entry, bundle.subscribeData);
          return {};
        }),
      perform: (z, bundle) =>
        run(z, bundle, async (c) => {
          const channel = bundle.subscribeData;
          const body = bundle.rawRequest?.content ?? JSON.stringify(bundle.cleanedRequest ?? {});
          if (!isNotification(body)) return [];
          const { events } = await c.handleNotification(CONNECTION, channel, body);
          const memory = `zohoChannel:${channel.channelId}`;
          const known = { ...channel, ...((await z.cache.get(memory)) ?? {}) };
          if (renewDue(known)) {
            const renewed = await renewChannel(invokeWith(c), entry, known, stepInput(entry, bundle.inputData ?? {}));
            // The times only: the token stays in subscribeData alone.
            await z.cache.set(memory, { renewAt: renewed.renewAt, channelExpiry: renewed.channelExpiry }, RENEWAL_MEMORY_SECONDS);
          }
          return events.map((event) => ({ ...event, id: dedupeId(entry, event), recordId: event.id }));
        }),
      sample: { ...entry.outputExample[0], recordId: entry.outputExample[0]?.id },
      outputFields: [{ key: 'recordId', label: 'Record ID', type: 'string' }, ...outputFields(entry.outputSchema?.items)],
    }),
  };
}

/**
 * A hidden trigger that lists one choice source's choices for Zapier's dynamic dropdowns,
 * through the component with the step's connection; the step's other fields (the record type
 * of a fields dropdown) arrive in its input.
 */
function toDropdown({ key, source }) {
  return {
    key,
    noun: 'Choice',
    display: { label: `Choices from ${source.action}`, description: `Lists the choices ${source.action} returns.`, hidden: true },
    operation: {
      perform: (z, bundle) =>
        run(z, bundle, async (c) => {
          const choices = await loadChoices((action, listing) => c.invoke(action, CONNECTION, listing), source, bundle.inputData ?? {});
          return choices.map((choice) => ({ id: choice.value, name: choice.label }));
        }),
      sample: { id: 'Leads', name: 'Leads' },
    },
  };
}

const byKey = (entries) => Object.fromEntries(entries.map((e) => [e.key, e]));

// A read is a search, never a create: Zapier files creates as writes.
const isRead = (entry) => entry.hints?.readOnly === true;
const creates = byKey(manifest.actions.filter((a) => !isRead(a)).map(toCreate));
const searches = byKey(manifest.actions.filter(isRead).map(toSearch));
const polling = manifest.triggers.filter((t) => t.kind === 'polling').map(toTrigger);
const hooks = manifest.triggers.filter((t) => t.kind === 'instant' && t.channel).map(toHookTrigger);

const App = {
  version: require('./package.json').version,
  platformVersion: zapier.version,
  authentication,
  triggers: byKey([...polling, ...hooks, ...[...dropdowns.values()].map(toDropdown)]),
  creates,
  searches,
  hydrators,
};

module.exports = App;
