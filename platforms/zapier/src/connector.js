// Runs a step through the component with the step's Zoho connection: the token comes from
// Zapier's authData, and an expired one becomes Zapier's RefreshAuthError, on which Zapier
// refreshes the token (authentication.js) and runs the step again.

/** The connection name the component asks credentials for; one connection per run. */
const CONNECTION = 'zapier';

async function connectorFor(z, bundle) {
  const { createConnector, CredentialProblem } = await import('@zoho-connector/node');
  return createConnector({
    // The component's log, already redacted by it, on Zapier's console for the step.
    log: (level, where, message) => z.console.log(`[${level}] ${where}: ${message}`),
    credentials: (_name, rejectedToken) => {
      const token = bundle.authData?.access_token;
      if (!token || token === rejectedToken) {
        throw new CredentialProblem('reauthorization-required', 'the access token was rejected');
      }
      return { accessToken: token, apiDomain: bundle.authData.api_domain };
    },
  });
}

/** Zoho's error as Zapier shows it; an expired token asks Zapier to refresh and retry. */
function asZapierError(z, error) {
  if (error?.name !== 'ZohoError') return error;
  const { name: _name, message, stack: _stack, ...fields } = error;
  if (error.case === 'credential' || error.case === 'unauthorized') {
    return new z.errors.RefreshAuthError(`Zoho ${error.case}: ${message}`);
  }
  if (error.case === 'rate-limited') {
    return new z.errors.ThrottledError(`Zoho rate-limited: ${message}`, error.retryAfterSeconds ?? 60);
  }
  return new z.errors.Error(`Zoho ${error.case} error: ${message} ${JSON.stringify(fields)}`, error.case, 400);
}

/** `call(connector)`'s result, or its error as Zapier shows one. */
async function run(z, bundle, call) {
  const connector = await connectorFor(z, bundle);
  try {
    return await call(connector);
  } catch (error) {
    throw asZapierError(z, error);
  }
}

module.exports = { CONNECTION, run };
