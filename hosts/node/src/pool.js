// The worker threads the connector's calls run on (src/worker.js), shared by every connector
// of the process: a call takes an idle worker, or starts one up to `maxWorkers`, or waits for
// one. The caller's thread only passes messages, so its event loop keeps running while Zoho
// answers. The component is compiled once here; every worker instantiates the same compiled
// modules.
import { MessageChannel } from 'node:worker_threads';

import { coreModules } from '../generated/core-modules.js';
import { CredentialProblem } from './host/errors.js';
import { startWorker } from './worker-start.js';

const settings = { maxWorkers: 8, idleTimeoutMs: 60_000 };

let compiled;
/** The component's core modules, compiled once for every worker. */
function compiledModules() {
  compiled ??= Promise.all(
    Object.entries(coreModules).map(async ([name, base64]) => [name, await WebAssembly.compile(Buffer.from(base64, 'base64'))]),
  ).then(Object.fromEntries);
  return compiled;
}

/** The answer a worker's credentials question gets: connection info, or a credential error. */
async function answerCredentials(provide, connection, rejectedToken) {
  if (typeof provide !== 'function') {
    return { problem: { tag: 'unknown-connection', val: 'no credentials provider is set' } };
  }
  let info;
  try {
    info = await provide(connection, rejectedToken);
  } catch (error) {
    if (error instanceof CredentialProblem) {
      const val = error.problem === 'throttled' ? error.retryAfterSeconds : error.message;
      return { problem: { tag: error.problem, val } };
    }
    return { problem: { tag: 'unavailable', val: `the credentials provider failed: ${error?.message ?? error}` } };
  }
  if (!info || typeof info.accessToken !== 'string' || typeof info.apiDomain !== 'string') {
    return { problem: { tag: 'unavailable', val: 'the credentials provider returned no accessToken and apiDomain' } };
  }
  return {
    info: {
      accessToken: info.accessToken,
      apiDomain: info.apiDomain.replace(/\/+$/, ''),
      booksOrganizationId: info.booksOrganizationId ?? undefined,
    },
  };
}

class PooledWorker {
  constructor(modules, pool) {
    this.pool = pool;
    this.signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    this.call = null;
    this.idleTimer = null;
    this.thread = startWorker({
      workerData: { zohoConnectorWorker: true, modules, signal: this.signal, replies: port2 },
      transferList: [port2],
    });
    this.ready = new Promise((resolve, reject) => {
      this.thread.on('message', (message) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new Error(`the connector's worker did not start: ${message.message}`));
        else this.receive(message);
      });
      this.thread.on('error', reject);
      this.thread.on('exit', (code) => reject(new Error(`the connector's worker stopped while starting (exit code ${code})`)));
    });
    this.thread.on('error', (error) => this.fail(error));
    this.thread.on('exit', (code) => this.fail(new Error(`the connector's worker stopped (exit code ${code})`)));
  }

  run(call) {
    clearTimeout(this.idleTimer);
    this.thread.ref();
    this.call = call;
    this.thread.postMessage({ id: call.id, method: call.method, args: call.args });
  }

  receive(message) {
    const call = this.call;
    if (!call || message.call !== call.id) return;
    switch (message.type) {
      case 'log':
        call.handlers.log?.(message.level, message.context, message.message);
        break;
      case 'credentials':
        answerCredentials(call.handlers.credentials, message.connection, message.rejectedToken).then((answer) => {
          this.replies.postMessage({ question: message.question, ...answer });
          Atomics.store(this.signal, 0, 1);
          Atomics.notify(this.signal, 0);
        });
        break;
      case 'done':
        this.call = null;
        if (message.crash === undefined) this.pool.release(this);
        call.settle(message);
        break;
      default:
    }
  }

  fail(error) {
    this.pool.forget(this);
    const call = this.call;
    this.call = null;
    call?.settle({ crash: error.message });
  }

  idle() {
    this.thread.unref();
    this.idleTimer = setTimeout(() => this.thread.terminate(), this.pool.settings.idleTimeoutMs);
    this.idleTimer.unref();
  }
}

class Pool {
  constructor() {
    this.settings = settings;
    this.workers = new Set();
    this.idleWorkers = [];
    this.waiting = [];
    this.nextId = 0;
  }

  /** Runs `method` on a worker for the connector with `handlers`; its outcome message. */
  run(handlers, method, args) {
    return new Promise((resolve) => {
      this.nextId += 1;
      this.dispatch({ id: this.nextId, handlers, method, args, settle: resolve });
    });
  }

  dispatch(call) {
    const worker = this.idleWorkers.pop();
    if (worker) {
      worker.run(call);
    } else if (this.workers.size < this.settings.maxWorkers) {
      this.start(call);
    } else {
      this.waiting.push(call);
    }
  }

  async start(call) {
    let worker;
    try {
      worker = new PooledWorker(await compiledModules(), this);
      this.workers.add(worker);
      await worker.ready;
    } catch (error) {
      if (worker) this.forget(worker);
      call.settle({ crash: error.message });
      return;
    }
    worker.run(call);
  }

  release(worker) {
    const next = this.waiting.shift();
    if (next) {
      worker.run(next);
    } else {
      this.idleWorkers.push(worker);
      worker.idle();
    }
  }

  forget(worker) {
    clearTimeout(worker.idleTimer);
    this.workers.delete(worker);
    this.idleWorkers = this.idleWorkers.filter((w) => w !== worker);
    // A call waiting for a worker gets the slot this one left.
    const next = this.waiting.shift();
    if (next) this.start(next);
  }

  async close() {
    const workers = [...this.workers];
    this.workers.clear();
    this.idleWorkers = [];
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }
}

export const pool = new Pool();

/**
 * Sets how many worker threads run calls at once (default 8: calls wait on Zoho, not on the
 * CPU, so more workers than cores is normal) and how long an idle one is kept (default 60 s).
 */
export function configurePool({ maxWorkers, idleTimeoutMs } = {}) {
  if (maxWorkers !== undefined) {
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) throw new TypeError('maxWorkers must be a whole number of at least 1');
    settings.maxWorkers = maxWorkers;
  }
  if (idleTimeoutMs !== undefined) {
    if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) throw new TypeError('idleTimeoutMs must be a number of milliseconds');
    settings.idleTimeoutMs = idleTimeoutMs;
  }
}
