// The HTTP transport of one component worker, on a thread of its own: it performs each request
// with Node's http/https (keep-alive connections, reused across calls) and answers the worker,
// which is blocked waiting for it (src/wasi/transport.js). A response comes back in one answer
// with its head and the first part of its body (all of it, for an ordinary Zoho answer); the
// rest is read on request, piece by piece, so a large download never sits whole in memory.
import http from 'node:http';
import https from 'node:https';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Body bytes sent with a response's head; a larger body is read on in pieces. */
const FIRST_PART = 1 << 20;

/** WASI's error-code for a Node error, and a message that names no secret. */
export function errorCode(error, phase) {
  const code = error?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' };
    case 'ENOTFOUND':
      return { tag: 'DNS-error', val: { rcode: 'NXDOMAIN', infoCode: undefined } };
    case 'EAI_AGAIN':
      return { tag: 'DNS-timeout' };
    case 'EHOSTUNREACH':
      return { tag: 'destination-unavailable' };
    case 'ENETUNREACH':
      return { tag: 'destination-IP-unroutable' };
    case 'ZOHO_CONNECT_TIMEOUT':
      return { tag: 'connection-timeout' };
    case 'ZOHO_FIRST_BYTE_TIMEOUT':
      return { tag: 'HTTP-response-timeout' };
    case 'ZOHO_BETWEEN_BYTES_TIMEOUT':
      return { tag: 'connection-read-timeout' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return phase === 'body' ? { tag: 'HTTP-response-incomplete' } : { tag: 'connection-terminated' };
    default:
      if (code.startsWith('CERT_') || code.startsWith('UNABLE_TO_') || code.includes('SELF_SIGNED')) return { tag: 'TLS-certificate-error' };
      if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return { tag: 'TLS-protocol-error' };
      if (phase === 'body') return { tag: 'HTTP-response-incomplete' };
      return { tag: 'internal-error', val: `${code || error?.name || 'error'}: ${error?.message ?? error}` };
  }
}

const timeoutError = (code) => Object.assign(new Error(code), { code });
const ms = (nanoseconds) => Math.max(1, Number(BigInt(nanoseconds) / 1_000_000n));

/** Reads up to `max` bytes of `response` (fewer at its end): {chunk, done} or {error}. */
async function readPart(open, max) {
  const pieces = [];
  let size = 0;
  try {
    while (size < max) {
      const { value, done } = await open.iterator.next();
      if (done) {
        open.done = true;
        break;
      }
      pieces.push(value);
      size += value.length;
    }
  } catch (error) {
    return { error: errorCode(open.failure ?? error, 'body') };
  }
  return { chunk: pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, size), done: open.done };
}

export function serveTransport({ signal, replies }) {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const opened = new Map();
  let nextId = 0;

  const answer = (reply) => {
    // Copied, not transferred: a small Buffer shares its memory with others (Node's pool).
    replies.postMessage(reply);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  };

  const send = (message) =>
    new Promise((resolve) => {
      const { scheme, authority, pathWithQuery, method, headers, body, timeouts } = message;
      const client = scheme === 'http' ? http : https;
      const request = client.request(`${scheme}://${authority}${pathWithQuery}`, {
        method,
        // Given as a list, headers go out exactly as given: Host too must be among them.
        headers: ['Host', authority, ...headers],
        agent: agents[scheme === 'http' ? 'http' : 'https'],
      });
      let phase = 'connect';
      // Until the socket is connected the connect timeout runs, then the first byte's.
      request.setTimeout(ms(timeouts.connect), () => request.destroy(timeoutError(phase === 'connect' ? 'ZOHO_CONNECT_TIMEOUT' : 'ZOHO_FIRST_BYTE_TIMEOUT')));
      request.on('socket', (socket) => {
        const connected = () => {
          phase = 'wait';
          request.setTimeout(ms(timeouts.firstByte));
        };
        if (socket.connecting) socket.once('connect', connected);
        else connected();
      });
      request.on('error', (error) => resolve({ error: errorCode(error, phase) }));
      request.on('response', async (response) => {
        phase = 'body';
        request.setTimeout(0);
        const open = { iterator: response[Symbol.asyncIterator](), done: false, response, failure: null };
        response.setTimeout(ms(timeouts.betweenBytes), () => {
          open.failure = timeoutError('ZOHO_BETWEEN_BYTES_TIMEOUT');
          response.destroy(open.failure);
        });
        const headerPairs = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) headerPairs.push([response.rawHeaders[i], response.rawHeaders[i + 1]]);
        const part = await readPart(open, FIRST_PART);
        nextId += 1;
        if (!open.done && !part.error) opened.set(nextId, open);
        resolve({ id: nextId, status: response.statusCode, headers: headerPairs, ...part });
      });
      request.end(body ?? undefined);
    });

  const operations = {
    request: send,
    read: async ({ id, max }) => {
      const open = opened.get(id);
      if (!open) return { chunk: new Uint8Array(0), done: true };
      const part = await readPart(open, max);
      if (part.done || part.error) opened.delete(id);
      return part;
    },
    close: async ({ id }) => {
      opened.get(id)?.response.destroy();
      opened.delete(id);
      return undefined;
    },
  };

  parentPort.on('message', (message) => {
    operations[message.op](message).then((reply) => {
      // A close is not waited for.
      if (message.op !== 'close') answer(reply);
    });
  });
}

if (!isMainThread && workerData?.zohoTransport) {
  serveTransport(workerData);
}
