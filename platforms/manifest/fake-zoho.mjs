// Starts fake-zoho's sandbox on a free 127.0.0.1 port for a platform's tests, and stops it. It
// runs `fake-zoho-checked` (`cargo build -p zoho-contract-check --bins`): every exchange is
// checked against Zoho's published contract as the Rust suites check theirs, and `stop()` fails
// the suite on any violation. No test reaches anything but 127.0.0.1.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/**
 * A fresh sandbox seeded with the sample records: {apiDomain, token, refreshToken, advance(seconds),
 * settle(), expireTokens(), delay(pathPrefix, milliseconds, times), stop()}. `advance` moves
 * Zoho's clock (the fake's), so trigger tests wait on Zoho's time rather than the wall's;
 * `expireTokens` makes every access token so far invalid (the next call gets 401 and must
 * refresh); `stop` throws when an exchange broke Zoho's published contract. With
 * `client: {id, secret}`, the fake's accounts server (same address, `/oauth/v2/token`) knows
 * that OAuth client and `refreshToken` is a refresh token issued to it.
 */
export async function startFakeZoho({ client } = {}) {
  const target = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : resolve(root, 'target');
  const binary = resolve(target, 'debug', 'fake-zoho-checked');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: cargo build -p zoho-contract-check --bins`);
  const port = await freePort();
  const token = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
  const scratch = mkdtempSync(join(tmpdir(), 'zoho-contract-'));
  const violations = join(scratch, 'violations.txt');
  const clientArgs = client ? ['--client', `${client.id}:${client.secret}`] : [];
  const child = spawn(binary, ['--sandbox', '--port', String(port), '--token', token, ...clientArgs], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ZOHO_CONTRACT_VIOLATIONS: violations },
  });
  const printed = new Promise((done) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (!client || text.includes('ZOHO_REFRESH_TOKEN=')) done(text);
    });
  });
  for (let attempt = 0; attempt < 200 && !(await answers(port)); attempt += 1) {
    await new Promise((done) => setTimeout(done, 50));
  }
  const apiDomain = `http://127.0.0.1:${port}`;
  const refreshToken = (await printed).match(/ZOHO_REFRESH_TOKEN=(\S+)/)?.[1];
  const control = async (path, body) => {
    const answer = await fetch(`${apiDomain}/__fake/${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (answer.status !== 204) throw new Error(`the fake refused ${path}: HTTP ${answer.status}`);
  };
  const advance = (seconds) => control('clock/advance', { seconds });
  return {
    apiDomain,
    token,
    refreshToken,
    advance,
    expireTokens: () => control('tokens/expire', {}),
    delay: (pathPrefix, milliseconds, times = 1) => control('delay', { pathPrefix, milliseconds, times }),
    // Past Zoho's settling time (2 s of its clock), so records just written are due to a poll.
    settle: () => advance(3),
    stop: () => {
      child.kill();
      const found = existsSync(violations) ? readFileSync(violations, 'utf8').trim() : '';
      rmSync(scratch, { recursive: true, force: true });
      if (found) throw new Error(`exchanges with fake-zoho broke Zoho's published contract:\n${found}`);
    },
  };
}

/**
 * A URL on 127.0.0.1 that takes the notifications fake-zoho POSTs to a channel, as a
 * platform's webhook URL would: `next()` resolves with the next body (as text), in order.
 */
export async function startNotificationSink() {
  const { createServer } = await import('node:http');
  const bodies = [];
  const waiting = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      response.writeHead(200).end();
      const waiter = waiting.shift();
      if (waiter) waiter(text);
      else bodies.push(text);
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${server.address().port}/zoho-notifications`,
    next: (timeoutMs = 10_000) =>
      bodies.length > 0
        ? Promise.resolve(bodies.shift())
        : new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error('no notification arrived')), timeoutMs);
            waiting.push((text) => {
              clearTimeout(timer);
              done(text);
            });
          }),
    close: () => new Promise((done) => server.close(done)),
  };
}
