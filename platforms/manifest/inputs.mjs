// What every platform adapter needs from an input's JSON Schema: its kind (how a form field
// collects it), its dropdown choices, and turning a form's text back into the value the
// component expects. Kept apart from any platform's SDK.

/**
 * Inputs every action and trigger has, about how the call is made rather than what it does:
 * platforms fold them away below what the operation needs.
 */
export const COMMON_OPTIONS = ['debugRequest', 'maxRetries', 'timeout'];

/** `boolean`, `number`, `string`, `choice` or `json` (objects, arrays and alternatives). */
export function kindOf(schema) {
  if (Array.isArray(schema.enum)) return 'choice';
  switch (schema.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'json';
  }
}

/**
 * The value a form field's text stands for; `undefined` for an empty field. A refusal names
 * the input first, as the component's own errors do.
 */
export function cleanValue(schema, value, name = schema.title ?? 'input') {
  if (value === undefined || value === null || value === '') return undefined;
  switch (kindOf(schema)) {
    case 'boolean':
      return value === true || value === 'true';
    case 'number': {
      const number = Number(value);
      if (Number.isNaN(number)) throw new TypeError(`${name} must be a number, got ${JSON.stringify(value)}`);
      return number;
    }
    case 'json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        // A plain string where the schema allows one (a comma-separated list, say).
        return value;
      }
    default:
      return value;
  }
}

/** The component's input object from a platform's parameters: empty fields left out. */
export function componentInput(manifestEntry, params) {
  const input = {};
  for (const [name, schema] of Object.entries(manifestEntry.inputSchema.properties ?? {})) {
    const value = cleanValue(schema, params[name], name);
    if (value !== undefined) input[name] = value;
  }
  return input;
}

/** A default value as a form shows it. */
export function defaultText(schema) {
  if (schema.default === undefined) return undefined;
  return typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default);
}

/** An example as a form shows it. */
export function exampleText(schema) {
  const example = schema.examples?.[0];
  if (example === undefined) return undefined;
  return typeof example === 'string' ? example : JSON.stringify(example);
}
