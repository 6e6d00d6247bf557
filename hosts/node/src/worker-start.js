// Starts one worker thread of the pool from src/worker.js. A bundle of the host
// (scripts/bundle.js) replaces this module with one that starts the worker from its source
// text, so the bundle needs no file beside it.
import { Worker } from 'node:worker_threads';

export function startWorker(options) {
  return new Worker(new URL('./worker.js', import.meta.url), options);
}
