// Bundles a program that uses this host (a platform's plugin) into self-contained CommonJS
// files with esbuild: the host, the component (its core modules ride as base64) and every
// dependency not named `external` are inside, so the output runs with nothing from this
// repository beside it. Worker threads need a module to start from, and a bundle has no file
// for them: the host's worker (src/worker.js, with jco's generated code and preview2-shim) is
// bundled on its own into source text that src/worker-start.js's stand-in starts with
// `eval: true`, and preview2-shim's own I/O thread is bundled into text the same way.
//
//   import { bundle } from '@zoho-connector/node/scripts/bundle.js';
//   await bundle({ entryPoints: { index: 'src/index.js' }, outdir: 'out', external: ['zapier-platform-core'] });
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// CommonJS has no import.meta: the bundled code's `import.meta.url` is its own file's URL.
// Injected only into a bundle whose code uses it (esbuild's `inject`).
const importMetaUrl = {
  define: { 'import.meta.url': '__zohoImportMetaUrl' },
  inject: [resolve(root, 'scripts/import-meta-url.js')],
};

// What preview2-shim starts its I/O thread with, in a bundle: the thread's source text.
const SHIM_WORKER_START = 'new Worker(new URL("./worker-thread.bundle.js", import.meta.url), options)';

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

/** Makes preview2-shim start its I/O thread from source text instead of a file beside it. */
function shimWorkerFromSource(source) {
  return {
    name: 'zoho-shim-io-worker',
    setup(build) {
      build.onLoad({ filter: /preview2-shim[\\/]dist[\\/]io[\\/]worker-io\.js$/ }, async (args) => {
        const code = await readFile(args.path, 'utf8');
        if (!code.includes(SHIM_WORKER_START)) {
          throw new Error(`${args.path} no longer starts its I/O thread as this bundler expects: update scripts/bundle.js`);
        }
        const replaced = code.replace(SHIM_WORKER_START, `new Worker(${JSON.stringify(source)}, { ...options, eval: true })`);
        return { contents: replaced, loader: 'js' };
      });
    },
  };
}

/** Makes the pool start its workers from source text (see the header). */
function hostWorkerFromSource(source) {
  return {
    name: 'zoho-host-worker',
    setup(build) {
      build.onResolve({ filter: /[\\/]worker-start\.js$|^\.\/worker-start\.js$/ }, (args) => ({
        path: resolve(args.resolveDir, args.path),
        namespace: 'zoho-worker-start',
      }));
      build.onLoad({ filter: /.*/, namespace: 'zoho-worker-start' }, () => ({
        contents: `import { Worker } from 'node:worker_threads';
export function startWorker(options) { return new Worker(${JSON.stringify(source)}, { ...options, eval: true }); }`,
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
  const shimWorker = await workerSource(resolve(root, 'node_modules/@bytecodealliance/preview2-shim/dist/io/worker-thread.bundle.js'));
  const hostWorker = await workerSource(resolve(root, 'src/worker.js'), [shimWorkerFromSource(shimWorker)]);
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    logLevel: 'warning',
    plugins: [hostWorkerFromSource(hostWorker), shimWorkerFromSource(shimWorker), ...plugins],
    ...importMetaUrl,
  });
}
