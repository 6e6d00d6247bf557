/**
 * Run the Zoho connector component from Node.js (jco-transpiled at build time: `npm run build`).
 *
 *   import { createConnector } from '@zoho-connector/node';
 *   const connector = await createConnector({
 *     credentials: () => ({ accessToken: token, apiDomain: 'https://www.zohoapis.eu' }),
 *   });
 *   const leads = connector.invoke('crmGetRecords', 'default', { recordType: 'Leads', fields: 'Last_Name' });
 *
 * The host owns every secret: the component asks the `credentials` provider for a connection's
 * token on each call, and asks again with the rejected token when Zoho refused it (refresh only
 * if it is still the current one). The component gets an empty environment, never process.env.
 * One instance serves every call: the component keeps nothing between calls.
 */
import { current } from './host/current.js';
import { CredentialProblem, ZohoError } from './host/errors.js';

export { CredentialProblem, ZohoError };

let generated;

async function component() {
  generated ??= await import('../generated/zoho-connector.js');
  return generated;
}

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
  };
}

function pollResult(result) {
  return { events: JSON.parse(result.events), state: result.state, more: result.more };
}

/**
 * @param {{credentials: (connection: string, rejectedToken?: string) => {accessToken: string, apiDomain: string, booksOrganizationId?: string}, log?: (level: string, context: string, message: string) => void}} options
 */
export async function createConnector({ credentials, log } = {}) {
  if (typeof credentials !== 'function') {
    throw new TypeError('createConnector needs a credentials(connection, rejectedToken) function');
  }
  const { actions, triggers } = await component();
  const handlers = { credentials, log };
  // Calls are synchronous: these handlers own the one component instance for the call.
  const run = (call) => {
    const previous = current.handlers;
    current.handlers = handlers;
    try {
      return call();
    } catch (error) {
      if (error?.payload?.tag !== undefined) {
        throw new ZohoError(error.payload.tag, error.payload.val);
      }
      throw error;
    } finally {
      current.handlers = previous;
    }
  };
  return {
    /** Every action: key, label, description, product, inputSchema, outputExample. */
    manifest: () => run(() => actions.manifest().map(manifestEntry)),
    /** Runs an action: its output as an object, or a thrown ZohoError. */
    invoke: (key, connection, input) => run(() => JSON.parse(actions.invoke(key, connection, text(input)))),
    /** Every trigger, with `kind` (polling or instant). */
    triggers: () => run(() => triggers.manifest().map(manifestEntry)),
    /** One poll: {events, state, more}. Keep `state` only once the events are handed on. */
    poll: (key, connection, input, state) =>
      run(() => pollResult(triggers.poll(key, connection, text(input), state ?? undefined))),
    /** A body Zoho POSTed to a notify URL, as events. */
    handleNotification: (connection, channel, body) =>
      run(() => pollResult(triggers.handleNotification(connection, text(channel), text(body)))),
  };
}
