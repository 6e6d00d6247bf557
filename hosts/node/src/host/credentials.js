// The component's `credentials` import, answered by the running connector's provider.
import { current } from './current.js';
import { CredentialProblem } from './errors.js';

function lookup(connection, rejectedToken) {
  const provide = current.handlers?.credentials;
  if (!provide) {
    throw { payload: { tag: 'unknown-connection', val: 'no credentials provider is set' } };
  }
  let info;
  try {
    info = provide(connection, rejectedToken);
  } catch (error) {
    if (error instanceof CredentialProblem) {
      const val = error.problem === 'throttled' ? error.retryAfterSeconds : error.message;
      throw { payload: { tag: error.problem, val } };
    }
    throw { payload: { tag: 'unavailable', val: `the credentials provider failed: ${error?.message ?? error}` } };
  }
  if (!info || typeof info.accessToken !== 'string' || typeof info.apiDomain !== 'string') {
    throw { payload: { tag: 'unavailable', val: 'the credentials provider returned no accessToken and apiDomain' } };
  }
  return {
    accessToken: info.accessToken,
    apiDomain: info.apiDomain.replace(/\/+$/, ''),
    booksOrganizationId: info.booksOrganizationId ?? undefined,
  };
}

export function get(connection) {
  return lookup(connection, undefined);
}

export function refresh(connection, rejectedToken) {
  return lookup(connection, rejectedToken);
}
