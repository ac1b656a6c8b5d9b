// Tests the control server's shutdown: closing it ends connections that follow a stream, so a stop never waits on them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startControlServer } from './server.ts';

describe('control server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-control-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('closing it ends a connection that follows events, and the close completes', async function () {
    this.timeout(10000);
    const file = path.join(dir, 'mwan.sock');
    let unsubscribed = false;
    const server = await startControlServer(file, async (_req, stream, onClose) => {
      onClose(() => {
        unsubscribed = true;
      });
      stream({ event: 'hello' });
      return new Promise(() => undefined); // a follower: never answers by itself
    });
    const client = net.connect(file);
    const first = new Promise<void>((resolve) => client.once('data', () => resolve()));
    client.on('error', () => undefined);
    client.write(`${JSON.stringify({ cmd: 'events' })}\n`);
    await first;
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const outcome = await Promise.race([
      Promise.all([closed, clientClosed]).then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5000)),
    ]);
    assert.equal(outcome, 'closed');
    assert.ok(unsubscribed, 'the follower was told its connection ended');
  });
});
