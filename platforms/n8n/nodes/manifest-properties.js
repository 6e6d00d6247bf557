// n8n node properties and runs from the component's manifests (generated/manifest.json, written
// by `npm run build`). Resources group a product's actions by what they act on; operations are
// the actions; each action's inputs are properties shown only for that operation.
const { COMMON_OPTIONS, componentInput, defaultText, kindOf } = require('../../manifest/inputs.mjs');
const { choiceSourcesOf, loadChoices, valuesWithRows } = require('../../manifest/choices.mjs');
const { descriptionOf } = require('../../manifest/texts.mjs');
const { fileInputs, fileOf, returnsFile, takesFile } = require('../../manifest/files.mjs');
const { apiDomainFor } = require('../../manifest/zoho-accounts.mjs');

// Required, not read: a bundle (scripts/package.mjs) carries it inside.
const manifest = require('../generated/manifest.json');

/** The credential every node uses. */
const CREDENTIAL = 'zohoConnectorOAuth2Api';
/** The connection name the component asks credentials for; one connection per run. */
const CONNECTION = 'n8n';

/** What an action acts on, from its key (`crmListNotes` acts on notes). */
const RESOURCES = [
  ['notification', /Notifications$/],
  ['bulkRead', /BulkRead/],
  ['bulkWrite', /BulkWrite/],
  ['attachment', /Attachment/],
  ['note', /Note/],
  ['tag', /Tags$/],
  ['photo', /Photo$/],
  ['user', /User/],
  ['related', /Related/],
  ['metadata', /(Modules|Fields|Organizations)$/],
  ['query', /RunQuery$/],
  ['lead', /ConvertLead$/],
  ['raw', /RawRequest$/],
  ['recordAction', /RecordAction$/],
  ['record', /./],
];

/**
 * The node's own selectors and its Options collection; an action input of the same name (Bulk
 * Write's `operation`) gets a property name of its own, so the two never collide.
 */
const RESERVED = new Set(['resource', 'operation', 'event', 'options']);
const propertyName = (input) => (RESERVED.has(input) ? `${input}Input` : input);

const resourceOf = (entry) => RESOURCES.find(([, pattern]) => pattern.test(entry.key))[0];
const titled = (name) => name.replace(/^./, (c) => c.toUpperCase()).replace(/([A-Z])/g, ' $1').trim();

/** The n8n method that lists an input's choices, and the one that lists a record's fields. */
const choicesMethod = (input) => `${input}Choices`;
const fieldsMethod = (input) => `${input}Fields`;
/** The property holding a record's values field by field, beside the JSON one. */
const byFieldProperty = (input) => `${input}ByField`;

/** n8n's resource mapper field types for the JSON types the manifest names. */
const FIELD_TYPES = { integer: 'number', number: 'number', boolean: 'boolean', array: 'array', object: 'object', string: 'string' };

/** The form inputs a choice source's listing depends on, as n8n property names. */
const dependsOn = (source) => Object.values(source.arguments).map(propertyName);

function property(name, schema, required, show, source) {
  const base = {
    displayName: schema.title ?? name,
    name: propertyName(name),
    required,
    description: schema.description,
    displayOptions: { show },
  };
  const fallback = schema.default;
  if (source?.takes === 'one' || source?.takes === 'several') {
    const several = source.takes === 'several';
    return {
      ...base,
      type: several ? 'multiOptions' : 'options',
      description: `${schema.description} Choose from the list, or specify with an expression.`,
      typeOptions: { loadOptionsMethod: choicesMethod(name), loadOptionsDependsOn: dependsOn(source) },
      default: several ? [] : (fallback ?? ''),
    };
  }
  switch (kindOf(schema)) {
    case 'choice':
      return {
        ...base,
        type: 'options',
        options: schema.enum.map((value) => ({ name: String(value), value })),
        default: fallback ?? (required ? schema.enum[0] : ''),
      };
    case 'boolean':
      return { ...base, type: 'boolean', default: fallback ?? false };
    case 'number':
      // n8n's number field always holds a number; an optional one without a default is a
      // text field instead, so leaving it empty leaves the input out (Zoho's default).
      return fallback === undefined && !required
        ? { ...base, type: 'string', default: '' }
        : { ...base, type: 'number', default: fallback ?? 0 };
    case 'json':
      return { ...base, type: 'json', default: defaultText(schema) ?? '' };
    default:
      return { ...base, type: 'string', default: fallback ?? '' };
  }
}

/** Properties for `entries` (one product's actions): resource, operation, then every input. */
function actionProperties(entries) {
  const resources = [...new Set(entries.map(resourceOf))];
  const properties = [
    {
      displayName: 'Resource',
      name: 'resource',
      type: 'options',
      noDataExpression: true,
      options: resources.map((r) => ({ name: titled(r), value: r })),
      default: resources[0],
    },
  ];
  for (const resource of resources) {
    const operations = entries.filter((e) => resourceOf(e) === resource);
    properties.push({
      displayName: 'Operation',
      name: 'operation',
      type: 'options',
      noDataExpression: true,
      displayOptions: { show: { resource: [resource] } },
      options: operations.map((e) => ({ name: e.label, value: e.key, description: descriptionOf(e), action: e.label })),
      default: operations[0].key,
    });
  }
  for (const entry of entries) {
    properties.push(...entryProperties(entry, { resource: [resourceOf(entry)], operation: [entry.key] }));
  }
  return properties;
}

/** The collection the common options (`COMMON_OPTIONS`) are folded into, below the rest. */
const OPTIONS = 'options';

/**
 * A record's values field by field (n8n's resource mapper over the module's fields), shown
 * above the JSON input, which stays for what rows cannot say (an array of records).
 */
function byFieldProperties(entry, name, schema, source, show) {
  const creates = entry.hints?.idempotent === false;
  return [
    {
      displayName: `${schema.title ?? name} (Field by Field)`,
      name: byFieldProperty(name),
      type: 'resourceMapper',
      noDataExpression: true,
      default: { mappingMode: 'defineBelow', value: null },
      required: false,
      displayOptions: { show },
      typeOptions: {
        loadOptionsDependsOn: dependsOn(source),
        resourceMapper: {
          resourceMapperMethod: fieldsMethod(name),
          mode: creates ? 'add' : 'map',
          fieldWords: { singular: 'field', plural: 'fields' },
          addAllFields: false,
          multiKeyMatch: false,
          supportAutoMap: false,
        },
      },
    },
    {
      ...property(name, schema, false, show),
      displayName: `${schema.title ?? name} (JSON)`,
      description: `${schema.description} Fields set above win over the same fields here.`,
    },
  ];
}

/** The item's binary field an upload sends, or a download's file is put in. */
const BINARY_PROPERTY = 'binaryPropertyName';

/** n8n's binary data for the actions that take or return a file. */
function fileProperties(entry, show) {
  const field = (displayName, hint, description) => [
    { displayName, name: BINARY_PROPERTY, type: 'string', default: 'data', hint, description, displayOptions: { show } },
  ];
  if (takesFile(entry)) {
    return field(
      'Input Binary Field',
      'The name of the input binary field containing the file to be sent',
      'The binary field of the input item holding the file; its file name and type go along. Empty to give the file as text or base64 instead.',
    );
  }
  if (returnsFile(entry)) {
    return field('Put Output File in Field', 'The name of the output binary field to put the file in', 'The binary field of the output item that receives the downloaded file.');
  }
  return [];
}

/** The properties of one action's or trigger's inputs, shown when `show` matches. */
function entryProperties(entry, show) {
  const required = new Set(entry.inputSchema.required ?? []);
  const inputs = Object.entries(entry.inputSchema.properties ?? {});
  const sources = choiceSourcesOf(entry);
  const properties = inputs
    .filter(([name]) => !COMMON_OPTIONS.includes(name))
    .flatMap(([name, schema]) =>
      sources[name]?.takes === 'member-names'
        ? byFieldProperties(entry, name, schema, sources[name], show)
        : [property(name, schema, required.has(name), show, sources[name])],
    );
  properties.push(...fileProperties(entry, show));
  const common = inputs.filter(([name]) => COMMON_OPTIONS.includes(name));
  if (common.length > 0) {
    properties.push({
      displayName: 'Options',
      name: OPTIONS,
      type: 'collection',
      placeholder: 'Add Option',
      default: {},
      displayOptions: { show },
      options: common.map(([name, schema]) => {
        const { displayOptions: _shown, required: _required, ...option } = property(name, schema, false, show);
        return option;
      }),
    });
  }
  return properties;
}

/**
 * The values of `entry`'s inputs for item `index`, as the component takes them. Without an
 * index (a trigger's poll, a webhook and its lifecycle), parameters are read as those
 * contexts take them: by name and fallback alone.
 */
function inputsOf(context, entry, index) {
  // null, not undefined: n8n throws for a missing parameter without a fallback.
  const param = (name, fallback = null) =>
    index === undefined ? context.getNodeParameter(name, fallback) : context.getNodeParameter(name, index, fallback);
  const params = {};
  const options = param(OPTIONS, {}) ?? {};
  const sources = choiceSourcesOf(entry);
  for (const [name, schema] of Object.entries(entry.inputSchema.properties ?? {})) {
    params[name] = COMMON_OPTIONS.includes(name) ? options[name] : param(propertyName(name));
    if (sources[name]?.takes === 'member-names') {
      const mapped = param(byFieldProperty(name));
      const fields = (mapped?.schema ?? []).map((field) => ({ value: field.id, type: field.type }));
      params[name] = valuesWithRows(name, componentInput(entry, { [name]: params[name] })[name] ?? schema.default, mapped?.value, fields);
    }
  }
  return componentInput(entry, params);
}

/**
 * n8n's `methods` for a node offering `entries`, chosen by the node's `selector` property
 * (`operation`, or a trigger's `event`): a `loadOptions` method per input with listed choices,
 * a `resourceMapping` method per record-values input. Each lists through the component with
 * the node's credential; the listings one call needs are fetched once.
 */
function nodeMethods(entries, selector) {
  const loadOptions = {};
  const resourceMapping = {};
  const list = async (context, input) => {
    const entry = entries.find((e) => e.key === context.getCurrentNodeParameter(selector));
    const source = entry && choiceSourcesOf(entry)[input];
    if (!source) return { source: undefined, choices: [] };
    const form = {};
    for (const mine of Object.values(source.arguments)) form[mine] = context.getCurrentNodeParameter(propertyName(mine));
    const connector = await connectorFor(context);
    try {
      const choices = await loadChoices((key, listing) => connector.invoke(key, CONNECTION, listing), source, form);
      return { entry, choices };
    } catch (error) {
      throw asNodeError(context, error, 0);
    }
  };
  for (const entry of entries) {
    for (const [input, source] of Object.entries(choiceSourcesOf(entry))) {
      if (source.takes === 'member-names') {
        resourceMapping[fieldsMethod(input)] ??= async function listFields() {
          const { entry: chosen, choices } = await list(this, input);
          const creates = chosen?.hints?.idempotent === false;
          return {
            fields: choices.map((field) => ({
              id: field.value,
              displayName: field.label === field.value ? field.value : `${field.label} (${field.value})`,
              required: creates && field.required === true,
              defaultMatch: false,
              canBeUsedToMatch: false,
              display: true,
              type: FIELD_TYPES[field.type] ?? 'string',
            })),
          };
        };
      } else {
        loadOptions[choicesMethod(input)] ??= async function listChoices() {
          const { choices } = await list(this, input);
          return choices.map((c) => ({ name: c.label === c.value ? c.value : `${c.label} (${c.value})`, value: c.value }));
        };
      }
    }
  }
  return { loadOptions, resourceMapping };
}

/** How close to its expiry (n8n's `n8n_expires_at`) a token is refreshed before use. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * A connector whose credentials are the node's Zoho credential. n8n refreshes an OAuth2 token
 * only through its helpers, so the token is refreshed here (`helpers.refreshOAuth2Token`, which
 * saves it in the credential) before it expires, and when Zoho rejected it. n8n versions
 * without that helper get the stored token, and a rejected one asks for a reconnect.
 */
async function connectorFor(context) {
  const host = await import('@zoho-connector/node');
  const credential = await context.getCredentials(CREDENTIAL);
  let token = credential.oauthTokenData ?? {};
  const canRefresh = typeof context.helpers?.refreshOAuth2Token === 'function';
  const refresh = async () => {
    // n8n's helper reads the credential through `this`: it is called on the node's context.
    token = { ...token, ...(await context.helpers.refreshOAuth2Token.call(context, CREDENTIAL)) };
  };
  return host.createConnector({
    // The component's log, already redacted by it, on n8n's logger.
    log: (level, where, message) => context.logger?.[level === 'trace' ? 'debug' : level]?.(`${where}: ${message}`),
    credentials: async (_name, rejectedToken) => {
      const expiresAt = Number(token.n8n_expires_at);
      const expiring = Number.isFinite(expiresAt) && expiresAt - Date.now() < REFRESH_AHEAD_MS;
      const rejected = rejectedToken !== undefined && token.access_token === rejectedToken;
      if (canRefresh && (rejected || expiring || !token.access_token)) {
        try {
          await refresh();
        } catch (error) {
          // n8n's refresh errors may quote the accounts server's answer: only their kind is shown.
          throw new host.CredentialProblem('reauthorization-required', `the Zoho credential could not be refreshed (${error?.name ?? 'error'}): reconnect it`);
        }
      }
      if (!token.access_token || token.access_token === rejectedToken) {
        throw new host.CredentialProblem('reauthorization-required', 'Zoho rejected the access token: reconnect the credential');
      }
      return { accessToken: token.access_token, apiDomain: apiDomainFor(token, String(credential.accessTokenUrl ?? '')) };
    },
  });
}

/** Zoho's error as n8n shows a failed node: a NodeOperationError naming the error's case. */
function asNodeError(context, error, index) {
  const { NodeOperationError } = require('n8n-workflow');
  if (error?.name !== 'ZohoError') return error;
  const { name: _name, message, stack: _stack, ...fields } = error;
  return new NodeOperationError(context.getNode(), `Zoho ${error.case} error: ${message}`, {
    itemIndex: index,
    description: JSON.stringify(fields),
  });
}

/**
 * What every trigger node's description starts with. Each one polls: the polling triggers for
 * changes, the instant one to renew its channel in time.
 */
function triggerNodeDescription({ displayName, name, icon, description, subtitle }) {
  return {
    displayName,
    name,
    icon,
    group: ['trigger'],
    version: 1,
    polling: true,
    subtitle,
    description,
    defaults: { name: displayName },
    inputs: [],
    outputs: ['main'],
    credentials: [{ name: CREDENTIAL, required: true }],
  };
}

/** Runs the chosen action once per input item. */
async function execute(context, entries) {
  const items = context.getInputData();
  const connector = await connectorFor(context);
  const out = [];
  for (let index = 0; index < items.length; index += 1) {
    const key = context.getNodeParameter('operation', index);
    const entry = entries.find((e) => e.key === key);
    try {
      let input = inputsOf(context, entry, index);
      const binaryField = context.getNodeParameter(BINARY_PROPERTY, index, '');
      // The item's binary file, unless the step gives the file another way and the item has none.
      const givenOtherwise = input.file ?? input.fileBase64 ?? input.attachmentUrl;
      if (takesFile(entry) && binaryField && (items[index].binary?.[binaryField] || givenOtherwise === undefined)) {
        const binary = context.helpers.assertBinaryData(index, binaryField);
        const bytes = await context.helpers.getBinaryDataBuffer(index, binaryField);
        input = fileInputs(entry, input, { bytes, fileName: binary.fileName, contentType: binary.mimeType });
      }
      const output = await connector.invoke(entry.key, CONNECTION, input);
      const file = returnsFile(entry) ? fileOf(output) : undefined;
      const binary = file && binaryField ? { [binaryField]: await context.helpers.prepareBinaryData(file.bytes, file.fileName, file.contentType) } : undefined;
      out.push({ json: output, ...(binary ? { binary } : {}), pairedItem: { item: index } });
    } catch (error) {
      const failure = asNodeError(context, error, index);
      if (context.continueOnFail()) {
        out.push({ json: { error: failure.message, details: failure.description }, pairedItem: { item: index } });
        continue;
      }
      throw failure;
    }
  }
  return [out];
}

const crmActions = manifest.actions.filter((a) => a.product === 'crm');
const booksActions = manifest.actions.filter((a) => a.product === 'books');

module.exports = {
  CONNECTION,
  CREDENTIAL,
  actionProperties,
  asNodeError,
  entryProperties,
  booksActions,
  connectorFor,
  crmActions,
  execute,
  inputsOf,
  manifest,
  nodeMethods,
  triggerNodeDescription,
  // The instant trigger's channel lifecycle, shared by every platform.
  channels: require('../../manifest/channels.mjs'),
};
