// Dropdowns and field-by-field values from the manifest's choice sources, for every platform
// adapter. A source names the action that lists an input's choices and how to read its
// output; nothing here knows any action by name. Kept apart from any platform's SDK.

/** The choice sources of `entry` (an action or trigger), by input name. */
export const choiceSourcesOf = (entry) => entry.choices ?? {};

/**
 * The listing action's input from a form's current values, or `undefined` while an input the
 * listing depends on is still empty (no choices can be listed yet; nothing is sent).
 */
export function listingInput(source, formValues) {
  const input = {};
  for (const [theirs, mine] of Object.entries(source.arguments ?? {})) {
    const value = formValues?.[mine];
    if (value === undefined || value === null || value === '') return undefined;
    input[theirs] = value;
  }
  return input;
}

/** The value at JSON Pointer `pointer` (RFC 6901) in `document`. */
function atPointer(document, pointer) {
  if (pointer === '') return document;
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((node, key) => (node === undefined || node === null ? undefined : node[key]), document);
}

const isEqual = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The choices a listing action's output holds: `{value, label}`, plus `required` and `type`
 * when the source names members for them (a record's fields).
 */
export function choicesFrom(source, output) {
  const items = atPointer(output, source.items);
  if (!Array.isArray(items)) return [];
  return items
    .filter((item) => Object.entries(source.filter ?? {}).every(([member, value]) => isEqual(item?.[member], value)))
    .map((item) => {
      const choice = { value: String(item[source.value]), label: String(item[source.label] ?? item[source.value]) };
      if (source.requiredMember) choice.required = item[source.requiredMember] === true;
      if (source.typeMember) choice.type = item[source.typeMember] ?? 'string';
      return choice;
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Lists the choices of `source` through `invoke(key, input)` (the component, with the run's
 * connection). Listings are cached by action and input in `cache` (a Map the caller keeps for
 * one run or form), so a form with several dropdowns over the same listing costs one call.
 */
export async function loadChoices(invoke, source, formValues, cache = new Map()) {
  const input = listingInput(source, formValues);
  if (input === undefined) return [];
  const key = `${source.action} ${JSON.stringify(input)}`;
  if (!cache.has(key)) cache.set(key, invoke(source.action, input));
  try {
    return choicesFrom(source, await cache.get(key));
  } catch (error) {
    cache.delete(key);
    throw error;
  }
}

/**
 * A field value typed in a form (text) as the JSON type the field's choice says (`number`,
 * `integer`, `boolean`, `array`, `object`); text that does not read as that type is refused
 * with the field's name, so nothing is written half-right.
 */
export function typedValue(field, type, value) {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  const refuse = (expected) => {
    throw new TypeError(`${field} must be ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(text) ? Number(text) : refuse('a whole number');
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : refuse('a number');
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : refuse('true or false');
    case 'array':
    case 'object':
      try {
        const parsed = JSON.parse(text);
        if (type === 'array' && Array.isArray(parsed)) return parsed;
        if (type === 'object' && parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
      } catch {
        // Refused below.
      }
      if (type === 'array') return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
      return refuse('a JSON object, e.g. {"id": "4150868000000624001"}');
    default:
      return value;
  }
}

/**
 * One record's values from field-by-field rows (`[{key, value}]` or an object) over the JSON
 * `values` a form may also carry: a row wins over the same field in the JSON. Each row's value
 * is typed by the field's choice when `fields` (the listed choices) are known. An array of
 * records in the JSON cannot take rows: which record would they belong to?
 */
export function valuesWithRows(inputName, json, rows, fields = []) {
  const pairs = Array.isArray(rows) ? rows.map((row) => [row.key, row.value]) : Object.entries(rows ?? {});
  const given = pairs.filter(([key, value]) => key !== undefined && key !== '' && value !== undefined && value !== null && value !== '');
  if (given.length === 0) return json;
  if (Array.isArray(json)) {
    throw new TypeError(`${inputName} is an array of records: give each record's fields in the JSON, not as rows`);
  }
  const types = new Map(fields.map((field) => [field.value, field.type]));
  const record = json && typeof json === 'object' ? { ...json } : {};
  for (const [key, value] of given) record[key] = typedValue(key, types.get(key), value);
  return record;
}

/**
 * Every distinct listing the entries' dropdowns need (member-name sources are field forms,
 * not dropdowns), each with a key that names its listing action (`crmListModulesChoices`,
 * then `crmListFieldsChoices2` for a second listing by the same action). Platforms that
 * declare dropdowns up front (Zapier's hidden triggers, Prismatic's data sources) use them.
 */
export function dropdownListings(entries) {
  const listings = new Map();
  for (const entry of entries) {
    for (const source of Object.values(choiceSourcesOf(entry))) {
      if (source.takes === 'member-names') continue;
      const identity = listingIdentity(source);
      if (listings.has(identity)) continue;
      const taken = [...listings.values()].filter((listing) => listing.source.action === source.action).length;
      listings.set(identity, { key: `${source.action}Choices${taken === 0 ? '' : taken + 1}`, source });
    }
  }
  return listings;
}

/** What makes two sources the same listing: all of it but how an input takes the choices. */
export const listingIdentity = (source) => JSON.stringify({ ...source, takes: undefined });
