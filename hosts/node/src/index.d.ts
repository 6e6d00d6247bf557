/** What the component needs for one connection. */
export interface ConnectionInfo {
  accessToken: string;
  /** The API domain of the token, e.g. `https://www.zohoapis.eu`. */
  apiDomain: string;
  booksOrganizationId?: string;
}

/**
 * Hands out a connection's token; called with the rejected token when Zoho refused it. May be
 * async (a platform refreshing the token before it answers).
 */
export type CredentialsProvider = (connection: string, rejectedToken?: string) => ConnectionInfo | Promise<ConnectionInfo>;

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
  /** The output's JSON Schema; records are open (a module's fields go beyond those named). */
  outputSchema: Record<string, unknown>;
  /** Actions only: what the action does to Zoho. */
  hints?: { readOnly: boolean; destructive: boolean; idempotent: boolean };
  /** The inputs whose choices another action lists, by input name. */
  choices: Record<string, ChoiceSource>;
  /** Instant triggers only: the actions that open, renew and close the channel. */
  channel?: { open: string; renew: string; close: string };
}

/** Where a form finds an input's choices: run `action` and read its output. */
export interface ChoiceSource {
  /** The key of the action that lists the choices. */
  action: string;
  /** The listing action's inputs, each from the named input of this form. */
  arguments: Record<string, string>;
  /** JSON Pointer to the array of items in the listing action's output. */
  items: string;
  /** The member of each item that is the choice's value. */
  value: string;
  /** The member of each item shown as its label. */
  label: string;
  /** Only items whose members equal these values. */
  filter: Record<string, unknown>;
  /** One choice, a list of choices, or the member names of an object (a record's fields). */
  takes: 'one' | 'several' | 'member-names';
  /** With member-names: the member of each item that is true when it must be given. */
  requiredMember: string | null;
  /** With member-names: the member naming the JSON type of the value. */
  typeMember: string | null;
}

export interface PollResult {
  events: Array<Record<string, unknown>>;
  state: string;
  more: boolean;
}

/** Every call runs on a worker thread: the caller's event loop never waits for Zoho. */
export interface Connector {
  manifest(): Promise<ManifestEntry[]>;
  invoke(key: string, connection: string, input: Record<string, unknown> | string): Promise<any>;
  triggers(): Promise<ManifestEntry[]>;
  poll(key: string, connection: string, input: Record<string, unknown> | string, state?: string): Promise<PollResult>;
  handleNotification(connection: string, channel: Record<string, unknown> | string, body: Record<string, unknown> | string): Promise<PollResult>;
}

export function createConnector(options: ConnectorOptions): Promise<Connector>;

/** The worker pool every connector of the process shares. */
export function configurePool(options: { maxWorkers?: number; idleTimeoutMs?: number }): void;

/** Stops every worker thread now (idle ones also stop on their own). */
export function closeConnectors(): Promise<void>;

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
