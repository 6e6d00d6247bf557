/** What the component needs for one connection. */
export interface ConnectionInfo {
  accessToken: string;
  /** The API domain of the token, e.g. `https://www.zohoapis.eu`. */
  apiDomain: string;
  booksOrganizationId?: string;
}

/** Hands out a connection's token; called with the rejected token when Zoho refused it. */
export type CredentialsProvider = (connection: string, rejectedToken?: string) => ConnectionInfo;

export interface ConnectorOptions {
  credentials: CredentialsProvider;
  /** The component's diagnostics (secrets redacted). */
  log?: (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', context: string, message: string) => void;
}

export interface ManifestEntry {
  key: string;
  label: string;
  description: string;
  product: 'crm' | 'books';
  kind?: 'polling' | 'instant';
  inputSchema: Record<string, unknown>;
  outputExample: unknown;
}

export interface PollResult {
  events: Array<Record<string, unknown>>;
  state: string;
  more: boolean;
}

export interface Connector {
  manifest(): ManifestEntry[];
  invoke(key: string, connection: string, input: Record<string, unknown> | string): any;
  triggers(): ManifestEntry[];
  poll(key: string, connection: string, input: Record<string, unknown> | string, state?: string): PollResult;
  handleNotification(connection: string, channel: Record<string, unknown> | string, body: Record<string, unknown> | string): PollResult;
}

export function createConnector(options: ConnectorOptions): Promise<Connector>;

/** An error the component returned; `case` is the WIT case and its fields are properties. */
export class ZohoError extends Error {
  case: string;
  [field: string]: unknown;
}

/** Throw from a credentials provider that cannot hand out a token. */
export class CredentialProblem extends Error {
  constructor(problem: 'unknown-connection' | 'reauthorization-required' | 'throttled' | 'unavailable', message?: string, retryAfterSeconds?: number);
  problem: string;
  retryAfterSeconds: number;
}
