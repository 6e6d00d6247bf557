// wasi:io (error, poll, streams) for the component, as much as it uses: pollables that are
// ready or wait by themselves, input streams over a body that a transport fills, and output
// streams into a buffer or a file descriptor. Synchronous by design: the component runs on a
// worker thread of its own (src/worker.js), where blocking is what a call is for.
import { writeSync } from 'node:fs';

const symbolDispose = Symbol.dispose || Symbol.for('dispose');

/** wasi:io/error's `error`: what failed, for a debug string and `http-error-code`. */
export class IoError {
  #message;
  constructor(message, httpCode = undefined) {
    this.#message = message;
    this.httpCode = httpCode;
  }
  toDebugString() {
    return this.#message;
  }
}

/** A pollable: `wait` blocks until it is ready (or is absent: always ready). */
export class Pollable {
  #wait;
  constructor(wait = undefined) {
    this.#wait = wait;
  }
  ready() {
    return this.#wait === undefined;
  }
  block() {
    this.#wait?.();
    this.#wait = undefined;
  }
  [symbolDispose]() {}
}

/** Waits `nanoseconds` on this thread (the only thread a component call blocks). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleep(nanoseconds) {
  const ms = Number(BigInt(nanoseconds) / 1_000_000n);
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * An input stream over `source`: `source.next(max)` gives the next bytes (a Uint8Array, or
 * `null` at the end) or throws an IoError.
 */
export class InputStream {
  #source;
  #buffer = new Uint8Array(0);
  #closed = false;
  #failed = null;
  constructor(source) {
    this.#source = source;
  }
  #take(len) {
    const max = Number(len);
    if (this.#failed) throw { tag: 'last-operation-failed', val: this.#failed };
    if (this.#buffer.length === 0) {
      if (this.#closed) throw { tag: 'closed' };
      try {
        const next = this.#source.next(max);
        if (next === null) {
          this.#closed = true;
          throw { tag: 'closed' };
        }
        this.#buffer = next;
      } catch (error) {
        if (error instanceof IoError) {
          this.#failed = error;
          throw { tag: 'last-operation-failed', val: error };
        }
        throw error;
      }
    }
    const piece = this.#buffer.length <= max ? this.#buffer : this.#buffer.subarray(0, max);
    this.#buffer = this.#buffer.subarray(piece.length);
    return piece;
  }
  read(len) {
    return this.#take(len);
  }
  blockingRead(len) {
    return this.#take(len);
  }
  skip(len) {
    return BigInt(this.#take(len).length);
  }
  blockingSkip(len) {
    return BigInt(this.#take(len).length);
  }
  subscribe() {
    return new Pollable();
  }
  [symbolDispose]() {
    this.#source.close?.();
  }
}

/** An output stream into `sink(bytes)`: a request body's buffer, or stdout/stderr. */
export class OutputStream {
  #sink;
  constructor(sink) {
    this.#sink = sink;
  }
  checkWrite() {
    return 1n << 20n;
  }
  write(bytes) {
    this.#sink(bytes);
  }
  blockingWriteAndFlush(bytes) {
    this.#sink(bytes);
  }
  flush() {}
  blockingFlush() {}
  writeZeroes(len) {
    this.#sink(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len) {
    this.#sink(new Uint8Array(Number(len)));
  }
  subscribe() {
    return new Pollable();
  }
  [symbolDispose]() {}
}

/** An output stream to a file descriptor of this process (the component's stdout, stderr). */
export const fdStream = (fd) => new OutputStream((bytes) => writeSync(fd, bytes));

export const error = { Error: IoError };
export const poll = {
  Pollable,
  poll(pollables) {
    // Ready ones first; otherwise wait on the first, which is then ready.
    const ready = pollables.flatMap((p, index) => (p.ready() ? [index] : []));
    if (ready.length > 0) return new Uint32Array(ready);
    pollables[0].block();
    return new Uint32Array([0]);
  },
};
export const streams = { InputStream, OutputStream };
