// Tests the DNS prober against UDP responders on 127.0.0.1: answers of any rcode, silence, wrong ids and questions.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { decodeMessage, encodeResponse, RCODE } from './dns-wire.ts';
import { DEFAULT_DNS_QUERY } from './dns.ts';
import { startProbe } from './index.ts';
import { assertSteady, assertTimely, good, localCtx, probeFor, sleep, spec } from './testing.ts';

type Mode = 'nxdomain' | 'a' | 'servfail' | 'silent' | 'wrong-id' | 'wrong-name';
interface Responder {
  port: number;
  mode: Mode;
  queries: { name: string; from: string; port: number }[];
  close(): Promise<void>;
}

async function responder(mode: Mode): Promise<Responder> {
  const sock = dgram.createSocket('udp4');
  const r: Responder = { port: 0, mode, queries: [], close: () => new Promise((res) => sock.close(() => res())) };
  sock.on('message', (msg, rinfo) => {
    const q = decodeMessage(msg);
    const name = q.questions[0]?.name ?? '';
    r.queries.push({ name, from: rinfo.address, port: rinfo.port });
    const id = r.mode === 'wrong-id' ? (q.id + 1) & 0xffff : q.id;
    const answer = r.mode === 'wrong-name' ? 'other.invalid' : name;
    const reply =
      r.mode === 'a'
        ? encodeResponse({ id, name: answer, addresses: [rinfo.address] })
        : r.mode === 'servfail'
          ? encodeResponse({ id, name: answer, rcode: RCODE.SERVFAIL })
          : encodeResponse({ id, name: answer, rcode: RCODE.NXDOMAIN });
    if (r.mode !== 'silent') sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
  r.port = sock.address().port;
  return r;
}

describe('dns prober', function () {
  this.timeout(20000);

  for (const mode of ['nxdomain', 'a', 'servfail'] as const) {
    it(`counts a reply (${mode}) as an answer, one query per interval on one socket`, async () => {
      const srv = await responder(mode);
      try {
        const s = spec({ method: 'dns', target: '127.0.0.1', port: srv.port });
        const ctx = localCtx();
        const run = await probeFor(s, ctx, 1000);
        assertTimely(run, s, ctx);
        assertSteady(run, ctx, 1000);
        assert.ok(srv.queries.every((q) => q.name === DEFAULT_DNS_QUERY && q.from === '127.0.0.1'));
        assert.equal(new Set(srv.queries.map((q) => q.port)).size, 1, 'queries came from more than one socket');
      } finally {
        await srv.close();
      }
    });
  }

  it('asks for spec.query', async () => {
    const srv = await responder('a');
    try {
      const run = await probeFor(
        spec({ method: 'dns', target: '127.0.0.1', port: srv.port, query: 'probe.test.' }),
        localCtx(),
        250,
      );
      assert.ok(good(run).length >= 2);
      assert.ok(srv.queries.every((q) => q.name === 'probe.test'));
    } finally {
      await srv.close();
    }
  });

  for (const mode of ['silent', 'wrong-id', 'wrong-name'] as const) {
    it(`fails at the timeout when the resolver is ${mode}`, async () => {
      const srv = await responder(mode);
      try {
        const s = spec({ method: 'dns', target: '127.0.0.1', port: srv.port });
        const ctx = localCtx({ intervalMs: 100, timeoutMs: 150 });
        const run = await probeFor(s, ctx, 1000);
        assertTimely(run, s, ctx);
        assert.ok(run.during.length >= 7 && good(run).length === 0, JSON.stringify(run.during));
        assert.ok(run.during.every((x) => x.error === 'no answer within 150 ms' && x.deliveredAt - x.sentAt >= 145));
      } finally {
        await srv.close();
      }
    });
  }

  it('reports a source address it cannot bind as a failure each round, and stop() releases it', async () => {
    const seen: { error?: string }[] = [];
    // 192.0.2.1 is on no interface here: bind fails with EADDRNOTAVAIL before anything is sent.
    const p = startProbe(
      spec({ method: 'dns', target: '127.0.0.1', port: 53 }),
      localCtx({ source: '192.0.2.1' }),
      (x) => seen.push(x),
    );
    await sleep(450);
    p.stop();
    const n = seen.length;
    await sleep(300);
    assert.equal(seen.length, n);
    assert.ok(n >= 3, `${n} samples`);
    assert.ok(
      seen.every((x) => /EADDRNOTAVAIL/.test(x.error ?? '')),
      JSON.stringify(seen),
    );
  });

  it('refuses a query name that cannot be encoded', () => {
    assert.throws(
      () => startProbe(spec({ method: 'dns', target: '127.0.0.1', query: 'a..b' }), localCtx(), () => undefined),
      /label ""/,
    );
  });
});
