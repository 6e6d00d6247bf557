// The words every platform shows beside an action or trigger, from the manifest: the
// description with a warning on destructive actions, and what a trigger's events are about.
// Kept apart from any platform's SDK.

/** The sentence a destructive action's description ends with, on every platform. */
export const DESTRUCTIVE_NOTE = 'Destructive: it deletes or replaces data in Zoho, which this step cannot undo.';

/** An action's or trigger's description as a platform shows it. */
export function descriptionOf(entry) {
  return entry.hints?.destructive ? `${entry.description} ${DESTRUCTIVE_NOTE}` : entry.description;
}

/** The label without the product (`CRM: Get Records` becomes `Get Records`). */
export const unprefixed = (label) => label.replace(/^(CRM|Books): /, '');

/** The product's prefix of a label (`CRM: `), or ''. */
export const prefixOf = (label) => /^(CRM|Books): /.exec(label)?.[0] ?? '';

/**
 * What a trigger's events report, from the events of its example ("a record is created in a
 * Zoho CRM module"), for a platform's "Triggers when ..." sentence.
 */
export function triggerSubject(entry) {
  const kinds = [...new Set((entry.outputExample ?? []).map((event) => event.event))];
  const done = { created: 'created', updated: 'updated', deleted: 'deleted' };
  const verbs = kinds.map((kind) => done[kind] ?? kind);
  const what = verbs.length > 1 ? `${verbs.slice(0, -1).join(', ')} or ${verbs.at(-1)}` : verbs[0] ?? 'changed';
  const where = entry.product === 'books' ? 'in Zoho Books' : 'in a Zoho CRM module';
  return `a record is ${what} ${where}`;
}

/**
 * The flat output fields of a JSON Schema, as platforms list them for later steps: nested
 * members joined with `__` (Zapier's own convention), arrays of objects by their items'
 * members. `prefix` starts the keys.
 */
export function outputFieldsOf(schema, prefix = '', depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 3) return [];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' && schema.properties) {
    const key = (name) => (!prefix ? name : prefix.endsWith('[]') ? `${prefix}${name}` : `${prefix}__${name}`);
    return Object.entries(schema.properties).flatMap(([name, member]) => outputFieldsOf(member, key(name), depth + 1));
  }
  if (type === 'array' && schema.items?.properties) return outputFieldsOf(schema.items, `${prefix}[]`, depth + 1);
  if (!prefix) return [];
  return [{ key: prefix, type: type ?? 'string' }];
}
