// Starts the threads the host runs on: a pool worker (src/worker.js) and its HTTP transport
// (src/wasi/transport-thread.js). A bundle of the host (scripts/bundle.js) replaces this module
// with one that starts both from their source text, so the bundle needs no file beside it.
import { Worker } from 'node:worker_threads';

export function startWorker(options) {
  return new Worker(new URL('./worker.js', import.meta.url), options);
}

export function startTransport(options) {
  return new Worker(new URL('./wasi/transport-thread.js', import.meta.url), options);
}
