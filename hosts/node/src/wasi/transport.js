// The component worker's side of its HTTP transport (src/wasi/transport-thread.js): each
// operation is a message to the transport's thread and a wait (Atomics.wait) for its answer.
// One exchange per request covers its head and, for an ordinary answer, its whole body.
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

import { startTransport } from '../worker-start.js';

export class Transport {
  #thread;
  #signal = new Int32Array(new SharedArrayBuffer(4));
  #replies;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#replies = port1;
    this.#thread = startTransport({
      workerData: { zohoTransport: true, signal: this.#signal, replies: port2 },
      transferList: [port2],
    });
    // The component's thread waits on it; it must not keep a finished process alive.
    this.#thread.unref();
  }

  /** Sends `message` and waits for the transport's answer. */
  call(message) {
    Atomics.store(this.#signal, 0, 0);
    this.#thread.postMessage(message);
    Atomics.wait(this.#signal, 0, 0);
    return receiveMessageOnPort(this.#replies).message;
  }

  /** Tells the transport to let go of a response, without waiting. */
  close(id) {
    this.#thread.postMessage({ op: 'close', id });
  }
}
