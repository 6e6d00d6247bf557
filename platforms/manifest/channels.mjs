// An instant trigger's channel, kept by the platform itself through the actions the manifest
// names (`channel`: open, renew, close): opened as a flow is switched on with the platform's
// URL, renewed before it expires, closed as the flow is switched off. The channel, its token
// included, lives in the platform's own state for the flow; no user sees or pastes it.
// Kept apart from any platform's SDK.

/** Inputs the lifecycle gives the channel itself: a platform's form leaves them out. */
export const LIFECYCLE_INPUTS = ['notifyUrl', 'channelId', 'token'];

/**
 * The instant trigger `entry` as a platform's form shows it: without the inputs the lifecycle
 * gives the channel itself, and with no default expiry, so an empty one means the longest.
 */
export function lifecycleForm(entry) {
  const properties = Object.fromEntries(Object.entries(entry.inputSchema.properties ?? {}).filter(([name]) => !LIFECYCLE_INPUTS.includes(name)));
  if (properties.expiryHours) {
    const { default: _default, ...expiry } = properties.expiryHours;
    properties.expiryHours = { ...expiry, description: `${expiry.description} Empty: the longest Zoho allows, renewed before it ends.` };
  }
  const required = (entry.inputSchema.required ?? []).filter((name) => !LIFECYCLE_INPUTS.includes(name));
  return { ...entry, inputSchema: { ...entry.inputSchema, properties, required } };
}

/**
 * How long a channel lives unless the form says: the longest Zoho allows (the schema's
 * maximum of `expiryHours`), so a platform renews it as seldom as it can.
 */
const expiryHoursOf = (entry, input) => input.expiryHours ?? entry.inputSchema.properties?.expiryHours?.maximum;

/** Opens the channel for the trigger `entry` with the form's `input`, notifying `notifyUrl`. */
export async function openChannel(invoke, entry, input, notifyUrl) {
  const given = Object.fromEntries(Object.entries(input).filter(([name]) => !LIFECYCLE_INPUTS.includes(name)));
  const expiryHours = expiryHoursOf(entry, input);
  return (await invoke(entry.channel.open, { ...given, notifyUrl, ...(expiryHours === undefined ? {} : { expiryHours }) })).data;
}

/** Whether `channel` should be renewed now: its `renewAt` has come (or cannot be read). */
export function renewDue(channel, now = Date.now()) {
  const at = Date.parse(channel?.renewAt ?? '');
  return !Number.isFinite(at) || at <= now;
}

/** Renews `channel` (same id, events, token and URL) for as long as it was opened for. */
export async function renewChannel(invoke, entry, channel, input = {}) {
  const renewed = await invoke(entry.channel.renew, {
    channelId: channel.channelId,
    events: channel.events,
    token: channel.token,
    notifyUrl: channel.notifyUrl,
    ...(expiryHoursOf(entry, input) === undefined ? {} : { expiryHours: expiryHoursOf(entry, input) }),
  });
  // Zoho's answer carries what it changed; the token and the rest stay as they were.
  return { ...channel, ...renewed.data };
}

/**
 * Closes `channel`. A channel Zoho no longer has (expired, or closed already) is closed: the
 * flow is switched off either way.
 */
export async function closeChannel(invoke, entry, channel) {
  try {
    await invoke(entry.channel.close, { channelIds: [channel.channelId] });
  } catch (error) {
    if (error?.case !== 'not-found') throw error;
  }
}

/**
 * Whether `body` (text) is a notification Zoho POSTed: a JSON object naming a channel. Anything
 * else reaching the URL (a platform's scheduled run, a probe) has nothing to report; a body
 * that names a channel is verified against the channel's id and token by the component.
 */
export function isNotification(body) {
  try {
    const parsed = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, 'channel_id');
  } catch {
    return false;
  }
}

/** A notification's body as text, from whatever form a platform hands it in. */
export function bodyText(body) {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return JSON.stringify(body);
}
