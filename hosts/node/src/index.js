/**
 * Run the Zoho connector component from Node.js (jco-transpiled at build time: `npm run build`).
 *
 *   import { createConnector } from '@zoho-connector/node';
 *   const connector = await createConnector({
 *     credentials: async () => ({ accessToken: token, apiDomain: 'https://www.zohoapis.eu' }),
 *   });
 *   const leads = await connector.invoke('crmGetRecords', 'default', { recordType: 'Leads', fields: 'Last_Name' });
 *
 * Every call returns a promise and runs on a pool of worker threads (src/pool.js), each with
 * WASI of its own (src/wasi/), so the caller's event loop never waits for Zoho. The host owns every secret: the component asks the
 * `credentials` provider (which may be async) for a connection's token on each call, and asks
 * again with the rejected token when Zoho refused it (refresh only if it is still the current
 * one). The component gets an empty environment, never process.env, and keeps nothing between
 * calls.
 */
import { CredentialProblem, ZohoError } from './host/errors.js';
import { configurePool, pool } from './pool.js';

export { CredentialProblem, ZohoError, configurePool };

function text(input) {
  return typeof input === 'string' ? input : JSON.stringify(input);
}

function manifestEntry(item) {
  return {
    key: item.key,
    label: item.label,
    description: item.description,
    product: item.product,
    ...(item.kind === undefined ? {} : { kind: item.kind }),
    inputSchema: JSON.parse(item.inputSchema),
    outputExample: JSON.parse(item.outputExample),
    outputSchema: JSON.parse(item.outputSchema),
    ...(item.hints === undefined ? {} : { hints: { ...item.hints } }),
    choices: choicesOf(item.choices),
    ...(item.kind === 'instant' && item.channel ? { channel: { ...item.channel } } : {}),
  };
}

/**
 * Choice sources keyed by input, in the JSON shape every host gives them (the CLI's
 * `actions --json`, the Python package): pairs become objects, filter values parsed.
 */
function choicesOf(choices) {
  return Object.fromEntries(
    choices.map((c) => [
      c.input,
      {
        action: c.action,
        arguments: Object.fromEntries(c.arguments),
        items: c.items,
        value: c.value,
        label: c.label,
        filter: Object.fromEntries(c.filter.map(([member, value]) => [member, JSON.parse(value)])),
        takes: c.takes,
        requiredMember: c.requiredMember ?? null,
        typeMember: c.typeMember ?? null,
      },
    ]),
  );
}

function pollResult(result) {
  return { events: JSON.parse(result.events), state: result.state, more: result.more };
}

/** A worker's outcome as the caller sees it: the value, a ZohoError, or an Error. */
function outcome(message) {
  if (message.error) throw new ZohoError(message.error.case, message.error.fields);
  if (message.crash !== undefined) throw new Error(`the Zoho connector component failed: ${message.crash}`);
  return message.value;
}

/**
 * @param {{credentials: (connection: string, rejectedToken?: string) => ConnectionInfo | Promise<ConnectionInfo>, log?: (level: string, context: string, message: string) => void}} options
 */
export async function createConnector({ credentials, log } = {}) {
  if (typeof credentials !== 'function') {
    throw new TypeError('createConnector needs a credentials(connection, rejectedToken) function');
  }
  const handlers = { credentials, log };
  const run = async (method, ...args) => outcome(await pool.run(handlers, method, args));
  return {
    /** Every action: key, label, description, product, inputSchema, outputExample, outputSchema, hints, choices. */
    manifest: async () => (await run('manifest')).map(manifestEntry),
    /** Runs an action: its output as an object, or a rejected ZohoError. */
    invoke: async (key, connection, input) => JSON.parse(await run('invoke', key, connection, text(input))),
    /** Every trigger, with `kind` (polling or instant). */
    triggers: async () => (await run('triggerManifest')).map(manifestEntry),
    /** One poll: {events, state, more}. Keep `state` only once the events are handed on. */
    poll: async (key, connection, input, state) => pollResult(await run('poll', key, connection, text(input), state ?? undefined)),
    /** A body Zoho POSTed to a notify URL, as events. */
    handleNotification: async (connection, channel, body) =>
      pollResult(await run('handleNotification', connection, text(channel), text(body))),
  };
}

/** Stops every worker thread (they also stop on their own after a minute idle). */
export function closeConnectors() {
  return pool.close();
}
