// Counts the import calls the component makes for one `crmGetRecord` against a local
// fake-zoho: every call from the component into its host (WASI's HTTP, streams, polls,
// clocks, random, and resource drops, and the connector's credentials and logging), by name.
// Every host pays per import call (jco crosses into JavaScript; wasmtime
// lifts, lowers and switches fibers), so BENCHMARKS.md records the count; the Node host's test
// holds it to its budget.
// Usage: node hosts/node/scripts/count-imports.js   (prints JSON: {total, calls: {name: n}})
import { fileURLToPath } from 'node:url';

import { coreModules } from '../generated/core-modules.js';
import { instantiate } from '../generated/zoho-connector.js';
import { componentImports } from '../src/worker.js';
import { startFakeZoho } from './start-fake-zoho.js';

/**
 * `imports` with every function, resource constructor, method and drop counting its calls into
 * `counts`. Only calls from the component count: one the host makes while serving another
 * (reading a request's options inside `handle`) is the host's own business.
 */
export function counted(imports, counts) {
  let depth = 0;
  const enter = (name) => {
    if (depth === 0) counts[name] = (counts[name] ?? 0) + 1;
    depth += 1;
  };
  const wrapFunction = (name, fn) =>
    function (...args) {
      enter(name);
      try {
        return fn.apply(this, args);
      } finally {
        depth -= 1;
      }
    };
  const wrapped = {};
  for (const [iface, members] of Object.entries(imports)) {
    wrapped[iface] = {};
    for (const [member, value] of Object.entries(members)) {
      if (typeof value !== 'function') {
        wrapped[iface][member] = value;
        continue;
      }
      const isClass = /^[A-Z]/.test(member) && value.prototype;
      if (!isClass) {
        wrapped[iface][member] = wrapFunction(`${iface}#${member}`, value);
        continue;
      }
      // A resource: its methods, statics and drop (Symbol.dispose) are import calls.
      const proto = value.prototype;
      for (const key of [...Object.getOwnPropertyNames(proto), ...Object.getOwnPropertySymbols(proto)]) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, key);
        if (key === 'constructor' || typeof descriptor.value !== 'function') continue;
        const label = typeof key === 'symbol' ? 'drop' : key;
        proto[key] = wrapFunction(`${member}.${label}`, descriptor.value);
      }
      for (const key of Object.getOwnPropertyNames(value)) {
        const descriptor = Object.getOwnPropertyDescriptor(value, key);
        if (typeof descriptor.value === 'function' && !['length', 'name', 'prototype'].includes(key)) {
          value[key] = wrapFunction(`${member}.${key}`, descriptor.value);
        }
      }
      wrapped[iface][member] = new Proxy(value, {
        construct(target, args, newTarget) {
          enter(`new ${member}`);
          try {
            return Reflect.construct(target, args, newTarget);
          } finally {
            depth -= 1;
          }
        },
      });
    }
  }
  return wrapped;
}

/** The import calls of one `crmGetRecord` (after one warm-up call), against `apiDomain`. */
export async function countGetRecord(apiDomain, accessToken) {
  const tally = {};
  const credentials = {
    get: () => ({ accessToken, apiDomain }),
    refresh: () => ({ accessToken, apiDomain }),
  };
  const imports = counted(componentImports(credentials, () => {}), tally);
  const modules = Object.fromEntries(
    await Promise.all(Object.entries(coreModules).map(async ([name, b64]) => [name, await WebAssembly.compile(Buffer.from(b64, 'base64'))])),
  );
  const component = await instantiate((name) => modules[name], imports);
  const created = JSON.parse(
    component.actions.invoke('crmCreateRecord', 'count', JSON.stringify({ recordType: 'Leads', values: { Last_Name: 'Count' } })),
  );
  const input = JSON.stringify({ recordType: 'Leads', recordId: created.data[0].id });
  component.actions.invoke('crmGetRecord', 'count', input);
  for (const key of Object.keys(tally)) delete tally[key];
  component.actions.invoke('crmGetRecord', 'count', input);
  const counts = { ...tally };
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return { total, calls: Object.fromEntries(Object.entries(counts).sort()) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fake = await startFakeZoho();
  try {
    console.log(JSON.stringify(await countGetRecord(fake.apiDomain, fake.accessToken), null, 1));
  } finally {
    fake.stop();
  }
}
