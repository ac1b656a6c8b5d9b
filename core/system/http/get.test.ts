// The bounded GET of the real HTTP facility: the server sees the client's address; the size and time limits hold.
import assert from 'node:assert/strict';
import { systemHttp } from './real.ts';
import type { HttpHandler } from './types.ts';

describe('http facility: get (real, loopback)', () => {
  it('fetches a body from the local address asked for, and refuses a body over the limit or a silent server', async () => {
    let seen: string | undefined;
    let hang = false;
    const handler: HttpHandler = async (r) => {
      seen = r.remoteAddress;
      if (hang) await new Promise((done) => setTimeout(done, 1500));
      return {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: 'x'.repeat(r.path === '/big' ? 5000 : 10),
      };
    };
    const server = await systemHttp.listen({ host: '127.0.0.1', port: 0 }, handler);
    const ask = (path: string, timeoutMs = 5000) =>
      systemHttp.get!({
        host: '127.0.0.1',
        port: server.port,
        path,
        localAddress: '127.0.0.1',
        timeoutMs,
        maxBytes: 1000,
      });
    try {
      assert.deepEqual(await ask('/small'), { status: 200, body: 'x'.repeat(10) });
      assert.equal(seen, '127.0.0.1');
      await assert.rejects(ask('/big'), /GET http:\/\/127\.0\.0\.1:\d+\/big: the answer is longer than 1000 bytes/);
      hang = true;
      await assert.rejects(ask('/slow', 200), /no answer within 200 ms/);
      await assert.rejects(ask('no-slash'), /must start with/);
    } finally {
      await server.close();
    }
  });
});
