// Tests the HTTP facility: the real server answers and streams on loopback, refuses a taken port, and reads only package files; the memory one mirrors it.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { systemHttp } from './real.ts';
import { MemoryHttp, type MemoryStream } from './memory.ts';
import type { HttpHandler, HttpStream } from './types.ts';

function get(port: number, path: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    })
      .on('error', reject)
      .end();
  });
}

const streams: HttpStream[] = [];
const handler: HttpHandler = (r) => {
  if (r.path === '/stream')
    return { status: 200, headers: { 'content-type': 'text/event-stream' }, open: (s) => streams.push(s) };
  if (r.path === '/boom') throw new Error('secret detail');
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: `path ${r.path} q ${r.query.token ?? '-'}` };
};

describe('http facility (real)', () => {
  it('answers requests, streams chunks until closed, hides handler errors, and refuses a port in use', async () => {
    const server = await systemHttp.listen({ host: '127.0.0.1', port: 0 }, handler);
    try {
      assert.ok(server.port > 0);
      assert.deepEqual(await get(server.port, '/metrics?token=abc'), {
        status: 200,
        body: 'path /metrics q abc',
        type: 'text/plain',
      });
      const boom = await get(server.port, '/boom');
      assert.equal(boom.status, 500);
      assert.doesNotMatch(boom.body, /secret/);
      const received = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port: server.port, path: '/stream' }, (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
            if (text.includes('two')) resolve(text);
          });
        })
          .on('error', reject)
          .end();
        const poll = setInterval(() => {
          if (!streams.length) return;
          clearInterval(poll);
          streams[0]!.write('data: one\n\n');
          streams[0]!.write('data: two\n\n');
        }, 10);
      });
      assert.equal(received, 'data: one\n\ndata: two\n\n');
      await assert.rejects(systemHttp.listen({ host: '127.0.0.1', port: server.port }, handler), /EADDRINUSE/);
    } finally {
      await server.close();
    }
    let ended = false;
    streams[0]!.onClose(() => (ended = true));
    assert.ok(ended, 'closing the server ends open streams');
  });

  it('reads package files and refuses paths that leave the package', async () => {
    const pkg = await systemHttp.packageAsset('package.json');
    assert.match(Buffer.from(pkg!).toString(), /"name": "mwan"/);
    assert.equal(await systemHttp.packageAsset('no/such/file.js'), null);
    await assert.rejects(systemHttp.packageAsset('../etc/passwd'), /inside the package/);
    await assert.rejects(systemHttp.packageAsset('/etc/passwd'), /relative/);
  });
});

describe('http facility (memory)', () => {
  it('routes requests to the open server and collects stream chunks until the client leaves', async () => {
    const http = new MemoryHttp();
    const server = await http.listen({ host: '127.0.0.1', port: 9847 }, handler);
    await assert.rejects(http.listen({ host: '127.0.0.1', port: 9847 }, handler), /EADDRINUSE/);
    const reply = await http.request('/x?token=t');
    assert.ok('text' in reply);
    assert.equal(reply.text, 'path /x q t');
    const stream = (await http.request('/stream')) as MemoryStream;
    streams[streams.length - 1]!.write('data: hi\n\n');
    assert.deepEqual(stream.chunks, ['data: hi\n\n']);
    await server.close();
    assert.ok(stream.closed);
    http.assets.set('plugins/x.js', 'let a;');
    assert.equal(new TextDecoder().decode((await http.packageAsset('plugins/x.js'))!), 'let a;');
  });
});
