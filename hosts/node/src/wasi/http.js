// wasi:http (types, outgoing-handler) for the component's outgoing requests, over the worker's
// Transport: a request goes out in one exchange with the transport's thread when the component
// first waits for its answer (after its body, if any, is finished), and the answer comes back
// with its body, or the first MiB of it. Every other call the component makes about the
// request (headers, options, status, pollables, reads of the body at hand) is answered here,
// without crossing threads.
import { InputStream, IoError, OutputStream, Pollable } from './io.js';
import { Transport } from './transport.js';

const symbolDispose = Symbol.dispose || Symbol.for('dispose');
const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** A header name as RFC 9110 allows it (a token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers Node manages itself on a connection; WASI forbids them too. */
const FORBIDDEN = new Set(['connection', 'keep-alive', 'host', 'transfer-encoding', 'upgrade']);
/** What a read of a body asks the transport for beyond the first part. */
const READ_PART = 1 << 20;

let transport;
const theTransport = () => (transport ??= new Transport());

export class Fields {
  #entries = [];
  #immutable = false;
  static fromList(entries) {
    const fields = new Fields();
    for (const [name, value] of entries) fields.append(name, value);
    return fields;
  }
  static _immutable(entries) {
    const fields = new Fields();
    fields.#entries = entries;
    fields.#immutable = true;
    return fields;
  }
  #check(name) {
    if (this.#immutable) throw { tag: 'immutable' };
    if (!TOKEN.test(name)) throw { tag: 'invalid-syntax' };
    if (FORBIDDEN.has(name.toLowerCase())) throw { tag: 'forbidden' };
  }
  get(name) {
    const wanted = name.toLowerCase();
    return this.#entries.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
  }
  has(name) {
    return this.get(name).length > 0;
  }
  set(name, values) {
    this.delete(name);
    for (const value of values) this.append(name, value);
  }
  delete(name) {
    this.#check(name);
    const wanted = name.toLowerCase();
    this.#entries = this.#entries.filter(([n]) => n.toLowerCase() !== wanted);
  }
  append(name, value) {
    this.#check(name);
    if (value.includes(10) || value.includes(13) || value.includes(0)) throw { tag: 'invalid-syntax' };
    this.#entries.push([name, value]);
  }
  entries() {
    return this.#entries.map(([name, value]) => [name, value]);
  }
  clone() {
    return Fields.fromList(this.#entries);
  }
  [symbolDispose]() {}
}

export class RequestOptions {
  // WASI leaves the defaults to the host: ten minutes, as wasmtime's.
  connect = 600_000_000_000n;
  firstByte = 600_000_000_000n;
  betweenBytes = 600_000_000_000n;
  connectTimeout() {
    return this.connect;
  }
  setConnectTimeout(duration) {
    if (duration !== undefined) this.connect = duration;
  }
  firstByteTimeout() {
    return this.firstByte;
  }
  setFirstByteTimeout(duration) {
    if (duration !== undefined) this.firstByte = duration;
  }
  betweenBytesTimeout() {
    return this.betweenBytes;
  }
  setBetweenBytesTimeout(duration) {
    if (duration !== undefined) this.betweenBytes = duration;
  }
  [symbolDispose]() {}
}

export class OutgoingBody {
  #stream;
  constructor() {
    this.parts = [];
    this.finished = false;
    this.#stream = new OutputStream((bytes) => this.parts.push(bytes.slice()));
  }
  write() {
    if (!this.#stream) throw undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    return stream;
  }
  static finish(body, trailers) {
    if (trailers !== undefined) throw { tag: 'internal-error', val: 'trailers are not supported' };
    body.finished = true;
  }
  [symbolDispose]() {}
}

export class OutgoingRequest {
  #headers;
  #body;
  #method = { tag: 'get' };
  #scheme = undefined;
  #authority = undefined;
  #pathWithQuery = undefined;
  constructor(headers) {
    this.#headers = headers;
  }
  body() {
    if (this.#body) throw undefined;
    this.#body = new OutgoingBody();
    return this.#body;
  }
  method() {
    return this.#method;
  }
  setMethod(method) {
    if (method.tag === 'other' && !TOKEN.test(method.val)) throw undefined;
    this.#method = method;
  }
  scheme() {
    return this.#scheme;
  }
  setScheme(scheme) {
    this.#scheme = scheme;
  }
  authority() {
    return this.#authority;
  }
  setAuthority(authority) {
    this.#authority = authority;
  }
  pathWithQuery() {
    return this.#pathWithQuery;
  }
  setPathWithQuery(pathWithQuery) {
    this.#pathWithQuery = pathWithQuery;
  }
  headers() {
    return this.#headers;
  }
  static _parts(request) {
    return { headers: request.#headers, body: request.#body };
  }
  [symbolDispose]() {}
}

/** A response body: the part that came with the head, then the rest from the transport. */
class BodySource {
  #first;
  #id;
  #done;
  constructor(first, id, done) {
    this.#first = first;
    this.#id = id;
    this.#done = done;
  }
  next(max) {
    if (this.#first) {
      const first = this.#first;
      this.#first = undefined;
      if (first.length > 0) return first;
    }
    if (this.#done) return null;
    const part = theTransport().call({ op: 'read', id: this.#id, max: Math.max(max, READ_PART) });
    if (part.error) {
      this.#done = true;
      throw new IoError(`reading the response body failed: ${part.error.tag}`, part.error);
    }
    this.#done = part.done;
    return part.chunk.length > 0 ? new Uint8Array(part.chunk) : this.next(max);
  }
  close() {
    if (!this.#done) {
      this.#done = true;
      theTransport().close(this.#id);
    }
  }
}

export class IncomingBody {
  #stream;
  constructor(source) {
    this.#stream = new InputStream(source);
  }
  stream() {
    if (!this.#stream) throw undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    return stream;
  }
  static finish(_body) {
    return new FutureTrailers();
  }
  [symbolDispose]() {}
}

export class FutureTrailers {
  #taken = false;
  subscribe() {
    return new Pollable();
  }
  get() {
    if (this.#taken) return { tag: 'err' };
    this.#taken = true;
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
  [symbolDispose]() {}
}

export class IncomingResponse {
  #status;
  #headers;
  #body;
  constructor(status, headers, body) {
    this.#status = status;
    this.#headers = headers;
    this.#body = body;
  }
  status() {
    return this.#status;
  }
  headers() {
    return this.#headers;
  }
  consume() {
    if (!this.#body) throw undefined;
    const body = this.#body;
    this.#body = undefined;
    return body;
  }
  [symbolDispose]() {}
}

export class FutureIncomingResponse {
  #send;
  #outcome;
  #taken = false;
  constructor(send) {
    this.#send = send;
  }
  /** Sends the request (once) and keeps the outcome. */
  #settle() {
    this.#outcome ??= this.#ready()
      ? this.#send()
      : { tag: 'err', val: { tag: 'internal-error', val: 'the response was awaited before the request body was finished' } };
  }
  subscribe() {
    return new Pollable(() => this.#settle());
  }
  get() {
    if (this.#taken) return { tag: 'err' };
    if (this.#outcome === undefined && !this.#ready()) return undefined;
    this.#settle();
    this.#taken = true;
    return { tag: 'ok', val: this.#outcome };
  }
  /** Whether sending now sends the whole request: its body, if it took one, is finished. */
  #ready() {
    return this.#send.ready();
  }
  [symbolDispose]() {}
}

const schemeText = (scheme) => (scheme === undefined ? 'https' : scheme.tag === 'other' ? scheme.val : scheme.tag.toLowerCase());

function handle(request, options) {
  const { headers, body } = OutgoingRequest._parts(request);
  const [method, authority, pathWithQuery] = [request.method(), request.authority(), request.pathWithQuery()];
  if (!pathWithQuery || !authority) throw { tag: 'HTTP-request-URI-invalid' };
  const scheme = schemeText(request.scheme());
  if (scheme !== 'http' && scheme !== 'https') throw { tag: 'HTTP-protocol-error' };
  const send = () => {
    const flat = [];
    for (const [name, value] of headers.entries()) flat.push(name, decoder.decode(value));
    const bytes = body ? Buffer.concat(body.parts) : undefined;
    const answer = theTransport().call({
      op: 'request',
      scheme,
      authority,
      pathWithQuery,
      method: method.tag === 'other' ? method.val : method.tag.toUpperCase(),
      headers: flat,
      body: bytes,
      timeouts: {
        connect: options?.connect ?? 600_000_000_000n,
        firstByte: options?.firstByte ?? 600_000_000_000n,
        betweenBytes: options?.betweenBytes ?? 600_000_000_000n,
      },
    });
    if (answer.error) return { tag: 'err', val: answer.error };
    const responseHeaders = Fields._immutable(answer.headers.map(([name, value]) => [name, encoder.encode(value)]));
    const source = new BodySource(answer.chunk ? new Uint8Array(answer.chunk) : undefined, answer.id, answer.done);
    return { tag: 'ok', val: new IncomingResponse(answer.status, responseHeaders, new IncomingBody(source)) };
  };
  send.ready = () => !body || body.finished;
  return new FutureIncomingResponse(send);
}

export const types = {
  Fields,
  FutureIncomingResponse,
  FutureTrailers,
  IncomingBody,
  IncomingResponse,
  OutgoingBody,
  OutgoingRequest,
  RequestOptions,
  httpErrorCode: (error) => error.httpCode,
};
export const outgoingHandler = { handle };
