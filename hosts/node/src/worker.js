// One worker thread of the pool (src/pool.js): it owns one instance of the component and runs
// one call at a time. The component's calls are synchronous (each HTTP exchange blocks the
// calling thread until the transport thread has the answer: src/wasi/), so they run here and
// never on the caller's event loop.
// The credentials and logging imports are bridges to the thread that made the call, where the
// platform's providers live: a credentials request blocks this thread (Atomics.wait) until the
// caller's provider, which may be asynchronous (a platform refreshing a token), has answered.
import { isMainThread, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

import { outgoingHandler, types } from './wasi/http.js';
import { error, poll, streams } from './wasi/io.js';
import { cli, clocks, environment, random } from './wasi/system.js';

/** How long a credentials provider may take before the call fails with `unavailable`. */
const CREDENTIALS_TIMEOUT_MS = 120_000;

const unavailable = (message) => ({ payload: { tag: 'unavailable', val: message } });

/** The `credentials` import: each question goes to the calling thread, which answers it. */
function credentialsBridge(signal, replies, currentCall) {
  let asked = 0;
  const ask = (connection, rejectedToken) => {
    asked += 1;
    const question = asked;
    Atomics.store(signal, 0, 0);
    parentPort.postMessage({ type: 'credentials', call: currentCall(), question, connection, rejectedToken });
    const deadline = Date.now() + CREDENTIALS_TIMEOUT_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(signal, 0, 0, left) === 'timed-out') {
        throw unavailable(`the credentials provider did not answer within ${CREDENTIALS_TIMEOUT_MS / 1000} s`);
      }
      Atomics.store(signal, 0, 0);
      // An answer to an earlier question (one that timed out) is dropped, never used.
      for (let reply = receiveMessageOnPort(replies); reply; reply = receiveMessageOnPort(replies)) {
        if (reply.message.question !== question) continue;
        if (reply.message.problem) throw { payload: reply.message.problem };
        return reply.message.info;
      }
    }
  };
  return {
    get: (connection) => ask(connection, undefined),
    refresh: (connection, rejectedToken) => ask(connection, rejectedToken),
  };
}

/**
 * The component's imports: WASI as src/wasi/ implements it for a component on a thread of its
 * own (each request one exchange with the worker's transport thread), and bridges for the
 * connector's own interfaces.
 */
export function componentImports(credentials, log) {
  return {
    // Empty: the component never sees the platform's process.env.
    'wasi:cli/environment': environment,
    'wasi:cli/exit': cli.exit,
    'wasi:cli/stderr': cli.stderr,
    'wasi:cli/stdin': cli.stdin,
    'wasi:cli/stdout': cli.stdout,
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stderr': cli.terminalStderr,
    'wasi:cli/terminal-stdin': cli.terminalStdin,
    'wasi:cli/terminal-stdout': cli.terminalStdout,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:clocks/wall-clock': clocks.wallClock,
    'wasi:http/outgoing-handler': outgoingHandler,
    'wasi:http/types': types,
    'wasi:io/error': error,
    'wasi:io/poll': poll,
    'wasi:io/streams': streams,
    'wasi:random/insecure-seed': random.insecureSeed,
    'wasi:random/random': random.random,
    'zoho:connector/credentials': credentials,
    'zoho:connector/logging': { log },
  };
}

/** What each call method runs on the instance; results cross back as plain data. */
const METHODS = {
  manifest: (exports) => exports.actions.manifest(),
  triggerManifest: (exports) => exports.triggers.manifest(),
  invoke: (exports, key, connection, input) => exports.actions.invoke(key, connection, input),
  poll: (exports, key, connection, input, state) => exports.triggers.poll(key, connection, input, state),
  handleNotification: (exports, connection, channel, body) => exports.triggers.handleNotification(connection, channel, body),
};

async function serve({ modules, signal, replies }) {
  let call = null;
  const credentials = credentialsBridge(signal, replies, () => call);
  const log = (level, context, message) => parentPort.postMessage({ type: 'log', call, level, context, message });
  const { instantiate } = await import('../generated/zoho-connector.js');
  const exports = await instantiate((name) => modules[name], componentImports(credentials, log));
  parentPort.on('message', ({ id, method, args }) => {
    call = id;
    try {
      parentPort.postMessage({ type: 'done', call: id, value: METHODS[method](exports, ...args) });
    } catch (error) {
      if (error?.payload?.tag !== undefined) {
        // The component's typed error: the instance is sound and serves the next call.
        parentPort.postMessage({ type: 'done', call: id, error: { case: error.payload.tag, fields: error.payload.val } });
      } else {
        // A trap leaves the instance unusable: report it, and let the pool start a new worker.
        parentPort.postMessage({ type: 'done', call: id, crash: String(error?.message ?? error) });
        process.exit(1);
      }
    } finally {
      call = null;
    }
  });
  parentPort.postMessage({ type: 'ready' });
}

if (!isMainThread && workerData?.zohoConnectorWorker) {
  serve(workerData).catch((error) => {
    parentPort.postMessage({ type: 'failed', message: String(error?.stack ?? error) });
    process.exit(1);
  });
}
