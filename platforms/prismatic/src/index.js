// The Zoho connector as a Prismatic custom component. Every action and trigger comes from the
// component's manifests (generated/manifest.json, written by `npm run build`); this file only
// maps them onto spectral's shapes and hands each run to the component.
import { action, component, dataSource, input, pollingTrigger, trigger } from '@prismatic-io/spectral';
import { CredentialProblem, ZohoError, createConnector } from '@zoho-connector/node';
import { choiceSourcesOf, dropdownListings, listingIdentity, loadChoices, valuesWithRows } from '../../manifest/choices.mjs';
import { componentInput, defaultText, exampleText, kindOf } from '../../manifest/inputs.mjs';
import { descriptionOf } from '../../manifest/texts.mjs';
import { fileInputs, fileOf, returnsFile, takesFile } from '../../manifest/files.mjs';
import { bodyText, closeChannel, isNotification, lifecycleForm, openChannel, renewChannel, renewDue } from '../../manifest/channels.mjs';
import { connectionInfo, zohoOAuth } from './connection.js';

// Imported, not read from a file: the bundle (scripts/package.mjs) carries it inside.
import generatedManifest from '../generated/manifest.json' with { type: 'json' };

export const manifest = generatedManifest;

/** The connection name the component asks credentials for; one connection per run. */
const CONNECTION = 'prismatic';

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

/** The data source listing each dropdown's choices: one per listing the manifest needs. */
const listings = dropdownListings([...manifest.actions, ...manifest.triggers]);

/** The input holding a record's values field by field, beside the JSON one. */
const byFieldInput = (name) => `${name}Fields`;

/** A spectral input for one property of an action's or trigger's JSON Schema. */
function toInput(name, schema, required, source) {
  const base = {
    label: schema.title ?? name,
    comments: schema.description,
    required,
    default: defaultText(schema),
    example: exampleText(schema),
  };
  if (source?.takes === 'one') return input({ ...base, type: 'string', dataSource: listings.get(listingIdentity(source)).key });
  if (source?.takes === 'several') {
    return input({ ...base, type: 'string', collection: 'valuelist', dataSource: listings.get(listingIdentity(source)).key, default: undefined });
  }
  switch (kindOf(schema)) {
    case 'choice':
      return input({ ...base, type: 'string', model: schema.enum.map((value) => ({ label: String(value), value: String(value) })) });
    case 'boolean':
      return input({ ...base, type: 'boolean', default: String(schema.default ?? false) });
    case 'json':
      return input({ ...base, type: 'code', language: 'json' });
    default:
      return input({ ...base, type: 'string' });
  }
}

function inputsOf(entry) {
  const required = new Set(entry.inputSchema.required ?? []);
  const sources = choiceSourcesOf(entry);
  const inputs = { connection: connectionInput };
  for (const [name, schema] of Object.entries(entry.inputSchema.properties ?? {})) {
    if (sources[name]?.takes === 'member-names') {
      inputs[byFieldInput(name)] = input({
        label: `${schema.title ?? name} (Field by Field)`,
        type: 'string',
        collection: 'keyvaluelist',
        required: false,
        comments: `${schema.description} One row per field: its API name and value. Rows win over the same fields in the JSON below; reading the module's field types for them costs one field listing (1 CRM credit) per run.`,
      });
      inputs[name] = toInput(name, schema, false);
      continue;
    }
    inputs[name] = toInput(name, schema, required.has(name), sources[name]);
  }
  if (takesFile(entry)) {
    inputs[FILE_INPUT] = input({
      label: 'File',
      type: 'data',
      required: false,
      comments: "A file from an earlier step (its content type goes along; name it in File Name). Or give the file as text or base64 instead.",
    });
  }
  return inputs;
}

/** The upload input taking Prismatic's file data (a Buffer, or `{data, contentType}`). */
const FILE_INPUT = 'fileUpload';

/** Prismatic's file data as bytes and a content type; `undefined` when the step gave none. */
function fileData(value) {
  if (value === undefined || value === null || value === '') return undefined;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { bytes: Buffer.from(value) };
  if (typeof value === 'object' && value.data !== undefined) {
    const bytes = Buffer.isBuffer(value.data) ? value.data : Buffer.from(typeof value.data === 'string' ? value.data : JSON.stringify(value.data));
    return { bytes, contentType: value.contentType };
  }
  return { bytes: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
}

/**
 * The component's input from a step's parameters: a record's rows typed by the module's
 * fields (listed once, and only when rows were given) over its JSON.
 */
async function stepInput(entry, params, connector) {
  const values = { ...params };
  for (const [name, source] of Object.entries(choiceSourcesOf(entry))) {
    if (source.takes !== 'member-names') continue;
    const given = params[byFieldInput(name)];
    // An empty form field arrives as text, not as an empty list.
    const rows = (Array.isArray(given) ? given : []).filter((row) => row?.key);
    const json = componentInput(entry, { [name]: params[name] })[name];
    const fields = rows.length === 0 ? [] : await loadChoices((key, listing) => connector.invoke(key, CONNECTION, listing), source, params);
    values[name] = valuesWithRows(name, json, rows, fields);
  }
  const input = componentInput(entry, values);
  const file = takesFile(entry) ? fileData(params[FILE_INPUT]) : undefined;
  return file ? fileInputs(entry, input, file) : input;
}

/** The component's log (already redacted by it) on the step's logger. */
const logTo = (logger) => (level, where, message) => {
  const write = logger?.[level === 'trace' ? 'debug' : level] ?? logger?.info;
  write?.call(logger, `${where}: ${message}`);
};

/** A connector whose credentials are this run's Prismatic connection. */
async function connectorFor(connection, logger) {
  return createConnector({
    log: logTo(logger),
    credentials: (_name, rejectedToken) => {
      const info = connectionInfo(connection);
      if (!info) {
        throw new CredentialProblem('reauthorization-required', 'the Zoho connection has no access token: authorize it again');
      }
      if (rejectedToken !== undefined && rejectedToken === info.accessToken) {
        // Prismatic refreshes the token before a run; one Zoho still refuses needs a new grant.
        throw new CredentialProblem('reauthorization-required', 'Zoho rejected the access token: authorize the connection again');
      }
      return info;
    },
  });
}

/** Zoho's error as Prismatic shows a failed step: an Error whose message is the whole error. */
function asStepError(error) {
  if (!(error instanceof ZohoError)) return error;
  const { name: _name, message, stack: _stack, ...fields } = error;
  const failure = new Error(`Zoho ${error.case} error: ${message} ${JSON.stringify(fields)}`);
  failure.name = 'ZohoError';
  return failure;
}

/** What an action's step gives the next ones: its output, or for a download the file. */
function exampleOf(entry) {
  const file = returnsFile(entry) ? fileOf(entry.outputExample) : undefined;
  return file ? { data: file.bytes, contentType: file.contentType } : { data: entry.outputExample };
}

function toAction(entry) {
  return action({
    display: { label: entry.label, description: descriptionOf(entry) },
    inputs: inputsOf(entry),
    examplePayload: exampleOf(entry),
    perform: async (context, params) => {
      const connector = await connectorFor(params.connection, context.logger);
      try {
        const output = await connector.invoke(entry.key, CONNECTION, await stepInput(entry, params, connector));
        // A download is Prismatic's file: the bytes with their content type.
        const file = returnsFile(entry) ? fileOf(output) : undefined;
        return file ? { data: file.bytes, contentType: file.contentType } : { data: output };
      } catch (error) {
        throw asStepError(error);
      }
    },
  });
}

/**
 * What a trigger's run gives the next steps, for Prismatic to show before a flow has run: the
 * manifest's example events in the body the trigger returns (`body.data.events`). The rest of
 * the payload is Prismatic's own (headers, URLs, ids of the run), empty here.
 */
function triggerExample(entry, withMore) {
  const data = withMore ? { events: entry.outputExample, more: false } : { events: entry.outputExample };
  return {
    payload: {
      headers: {},
      queryParameters: {},
      rawBody: { data: null },
      body: { data },
      pathFragment: '',
      webhookUrls: {},
      webhookApiKeys: {},
      invokeUrl: '',
      executionId: '',
    },
  };
}

/** Polling: the component's state rides in Prismatic's polling state between runs. */
function toPollingTrigger(entry) {
  return pollingTrigger({
    display: { label: entry.label, description: entry.description },
    inputs: inputsOf(entry),
    examplePayload: triggerExample(entry, true),
    perform: async (context, payload, params) => {
      const connector = await connectorFor(params.connection, context.logger);
      const previous = context.polling.getState();
      let result;
      try {
        result = await connector.poll(entry.key, CONNECTION, componentInput(entry, params), previous.zohoState);
      } catch (error) {
        // The state is left as it was: the next run polls from the same place.
        throw asStepError(error);
      }
      context.polling.setState({ zohoState: result.state });
      return {
        payload: { ...payload, body: { data: { events: result.events, more: result.more } } },
        polledNoChanges: result.events.length === 0,
      };
    },
  });
}

/** Where the flow's open channel (its token included) is kept between runs. */
const CHANNEL_STATE = 'zohoChannel';

/**
 * Instant: the trigger keeps its own channel. Deploying the instance opens it against the
 * flow's webhook URL, deleting the instance closes it; each notification is verified with the
 * channel's token by the component, and any run past the channel's renewal time renews it, a
 * scheduled run too (give the flow a daily schedule, so a channel with nothing to report is
 * renewed before Zoho lets it expire after a week).
 */
function toInstantTrigger(instant) {
  const entry = lifecycleForm(instant);
  const inputs = inputsOf(entry);
  const invokeWith = (connector) => (key, input) => connector.invoke(key, CONNECTION, input);
  return trigger({
    display: { label: entry.label, description: `${entry.description} The trigger opens, renews and closes its channel itself.` },
    inputs,
    examplePayload: triggerExample(entry, false),
    synchronousResponseSupport: 'valid',
    scheduleSupport: 'valid',
    webhookLifecycleHandlers: {
      create: async (context, params) => {
        const connector = await connectorFor(params.connection, context.logger);
        const url = context.webhookUrls?.[context.flow?.name];
        if (!url) throw new Error(`the flow ${context.flow?.name ?? ''} has no webhook URL to open a Zoho channel for`);
        try {
          const channel = await openChannel(invokeWith(connector), entry, componentInput(entry, params), url);
          return { instanceState: { ...context.instanceState, [CHANNEL_STATE]: channel } };
        } catch (error) {
          throw asStepError(error);
        }
      },
      delete: async (context, params) => {
        const channel = context.instanceState?.[CHANNEL_STATE];
        if (!channel) return { instanceState: context.instanceState };
        const connector = await connectorFor(params.connection, context.logger);
        try {
          await closeChannel(invokeWith(connector), entry, channel);
        } catch (error) {
          throw asStepError(error);
        }
        const { [CHANNEL_STATE]: _closed, ...rest } = context.instanceState;
        return { instanceState: rest };
      },
    },
    perform: async (context, payload, params) => {
      let channel = context.instanceState?.[CHANNEL_STATE];
      if (!channel) throw new Error('this flow has no open Zoho channel: deploy the instance again to open one');
      const connector = await connectorFor(params.connection, context.logger);
      const body = bodyText(payload.rawBody?.data ?? payload.body?.data);
      try {
        // A run without a notification (a scheduled one) is only there to renew.
        const events = isNotification(body) ? (await connector.handleNotification(CONNECTION, channel, body)).events : [];
        const renewed = renewDue(channel);
        if (renewed) channel = await renewChannel(invokeWith(connector), entry, channel, componentInput(entry, params));
        return {
          payload: { ...payload, body: { data: { events } } },
          ...(renewed ? { instanceState: { ...context.instanceState, [CHANNEL_STATE]: channel } } : {}),
        };
      } catch (error) {
        throw asStepError(error);
      }
    },
  });
}

/**
 * A picklist data source for one listing: the choices the listing action returns, through the
 * component with the connection; the inputs the listing depends on (the record type of a
 * fields list) are its own inputs.
 */
function toDataSource({ source }) {
  const inputs = { connection: connectionInput };
  for (const mine of Object.values(source.arguments)) inputs[mine] = input({ label: mine, type: 'string', required: true });
  return dataSource({
    display: { label: `Choices from ${source.action}`, description: `The choices ${source.action} lists.` },
    dataSourceType: 'picklist',
    inputs,
    perform: async (context, params) => {
      const connector = await connectorFor(params.connection, context.logger);
      try {
        const choices = await loadChoices((key, listing) => connector.invoke(key, CONNECTION, listing), source, params);
        return { result: choices.map((choice) => ({ key: choice.value, label: choice.label })) };
      } catch (error) {
        throw asStepError(error);
      }
    },
    examplePayload: { result: [{ key: 'Leads', label: 'Leads' }] },
  });
}

export const dataSources = Object.fromEntries([...listings.values()].map((listing) => [listing.key, toDataSource(listing)]));

export const actions = Object.fromEntries(manifest.actions.map((entry) => [entry.key, toAction(entry)]));

export const triggers = Object.fromEntries(
  manifest.triggers.map((entry) => [entry.key, entry.kind === 'instant' ? toInstantTrigger(entry) : toPollingTrigger(entry)]),
);

export default component({
  key: 'zohoConnector',
  public: false,
  display: {
    label: 'Zoho CRM and Books',
    description: 'Every Zoho CRM and Zoho Books action and trigger of the Zoho connector component.',
    iconPath: 'icon.png',
  },
  actions,
  triggers,
  dataSources,
  connections: [zohoOAuth],
});
