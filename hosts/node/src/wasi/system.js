// wasi:cli, wasi:clocks and wasi:random for the component: an empty environment (never the
// platform's process.env), stdout and stderr to this process's own, no stdin or terminal, and
// clocks and randomness from Node.
import { randomBytes } from 'node:crypto';

import { InputStream, Pollable, fdStream, sleep } from './io.js';

export const environment = {
  getEnvironment: () => [],
  getArguments: () => [],
  initialCwd: () => undefined,
};

class TerminalInput {}
class TerminalOutput {}

export const cli = {
  environment,
  exit: {
    exit(status) {
      // A component does not end its host's process.
      throw new Error(`the component called exit (${status.tag})`);
    },
  },
  stdin: { getStdin: () => new InputStream({ next: () => null }) },
  stdout: { getStdout: () => fdStream(1) },
  stderr: { getStderr: () => fdStream(2) },
  terminalInput: { TerminalInput },
  terminalOutput: { TerminalOutput },
  terminalStdin: { getTerminalStdin: () => undefined },
  terminalStdout: { getTerminalStdout: () => undefined },
  terminalStderr: { getTerminalStderr: () => undefined },
};

export const clocks = {
  monotonicClock: {
    now: () => process.hrtime.bigint(),
    resolution: () => 1n,
    subscribeDuration: (duration) => new Pollable(() => sleep(duration)),
    subscribeInstant: (instant) => new Pollable(() => sleep(BigInt(instant) - process.hrtime.bigint())),
  },
  wallClock: {
    now() {
      const ms = Date.now();
      return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
    },
    resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
  },
};

const u64 = () => randomBytes(8).readBigUInt64LE();

export const random = {
  random: { getRandomBytes: (len) => new Uint8Array(randomBytes(Number(len))), getRandomU64: u64 },
  insecureSeed: { insecureSeed: () => [u64(), u64()] },
};
