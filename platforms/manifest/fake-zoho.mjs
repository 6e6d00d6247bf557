// Starts fake-zoho's sandbox (the binary `cargo build -p fake-zoho` makes) on a free 127.0.0.1
// port for a platform's tests, and stops it. No test reaches anything but 127.0.0.1.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const root = resolve(new URL('../..', import.meta.url).pathname);

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function answers(port) {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      done(true);
    });
    socket.on('error', () => done(false));
  });
}

/** {apiDomain, token, stop()} of a fresh sandbox seeded with the sample records. */
export async function startFakeZoho() {
  const target = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : resolve(root, 'target');
  const binary = resolve(target, 'debug', 'fake-zoho');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: cargo build -p fake-zoho`);
  const port = await freePort();
  const token = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
  const child = spawn(binary, ['--sandbox', '--port', String(port), '--token', token], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 200 && !(await answers(port)); attempt += 1) {
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    apiDomain: `http://127.0.0.1:${port}`,
    token,
    stop: () => child.kill(),
  };
}

/** Waits past Zoho's settling time, so records just written are due to a polling trigger. */
export function settle() {
  return new Promise((done) => setTimeout(done, 3100));
}
