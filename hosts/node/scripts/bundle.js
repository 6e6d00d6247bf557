// Bundles a program that uses this host (a platform's plugin) into self-contained CommonJS
// files with esbuild: the host, the component (its core modules ride as base64) and every
// dependency not named `external` are inside, so the output runs with nothing from this
// repository beside it. Worker threads need a module to start from, and a bundle has no file
// for them: the host's worker (src/worker.js, with jco's generated code) and its HTTP
// transport (src/wasi/transport-thread.js) are each bundled on their own into source text,
// which src/worker-start.js's stand-in starts with `eval: true`.
//
//   import { bundle } from '@zoho-connector/node/scripts/bundle.js';
//   await bundle({ entryPoints: { index: 'src/index.js' }, outdir: 'out', external: ['zapier-platform-core'] });
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');


/** Source text of a CommonJS bundle of `entry`, for `new Worker(text, {eval: true})`. */
async function workerSource(entry, plugins = []) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'warning',
    plugins,
    // An eval'd worker has no file of its own; its require resolves from the working folder,
    // and the bundle requires nothing but Node's own modules.
    define: { 'import.meta.url': '__zohoImportMetaUrl' },
    banner: { js: "var __zohoImportMetaUrl = require('node:url').pathToFileURL(process.cwd() + '/').href;" },
  });
  return result.outputFiles[0].text;
}

/** Makes src/worker-start.js start its threads from `sources` ({worker, transport}: text). */
function threadsFromSource(sources) {
  const starter = (name, source) =>
    source === undefined
      ? `export function ${name}() { throw new Error('${name} is not part of this bundle'); }`
      : `export function ${name}(options) { return new Worker(${JSON.stringify(source)}, { ...options, eval: true }); }`;
  return {
    name: 'zoho-threads-from-source',
    setup(build) {
      build.onResolve({ filter: /(^|[\\/])worker-start\.js$/ }, (args) => ({
        path: resolve(args.resolveDir, args.path),
        namespace: 'zoho-worker-start',
      }));
      build.onLoad({ filter: /.*/, namespace: 'zoho-worker-start' }, () => ({
        contents: [
          "import { Worker } from 'node:worker_threads';",
          starter('startWorker', sources.worker),
          starter('startTransport', sources.transport),
        ].join('\n'),
        loader: 'js',
      }));
    },
  };
}

/**
 * Bundles `entryPoints` that do not run the connector (an n8n credential, say) into `outdir` as
 * plain CommonJS: nothing of the host's worker machinery, so nothing a platform's checks of
 * community code would object to.
 */
export async function bundlePlain({ entryPoints, outdir, external = [] }) {
  await esbuild.build({ entryPoints, outdir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external, logLevel: 'warning' });
}

/**
 * Bundles `entryPoints` ({name: path}) into `outdir` as CommonJS `name.js` files. `external`
 * names packages left to the platform's own install (e.g. zapier-platform-core, n8n-workflow);
 * `plugins` are added after the host's own.
 */
export async function bundle({ entryPoints, outdir, external = [], plugins = [] }) {
  const transport = await workerSource(resolve(root, 'src/wasi/transport-thread.js'));
  const worker = await workerSource(resolve(root, 'src/worker.js'), [threadsFromSource({ transport })]);
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    logLevel: 'warning',
    plugins: [threadsFromSource({ worker, transport }), ...plugins],
  });
}
