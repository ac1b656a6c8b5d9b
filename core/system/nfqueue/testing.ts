// Test doubles for NFQUEUE: a fake netlink socket, kernel-shaped packet messages, a reader for sent verdicts, an in-memory iptables, a round-robin strategy.
import assert from 'node:assert/strict';
import type { Runner } from '../process/runner.ts';
import { NLMSG_ERROR, eachAttr, encodeNfMessage, messages } from './netlink-frame.ts';
import { NFQA, NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_VERDICT_BATCH, msgType } from './messages.ts';
import type { NetlinkTransport } from './transport.ts';
import type { StrategyFactory } from './strategy.ts';

/** A fake socket: records what is sent, answers config requests with `answer(seq)` (errno, 0 = ack). */
export function fakeTransport(answer: (seq: number) => number = () => 0) {
  let deliver: (d: Buffer) => void = () => {};
  const sent: Buffer[] = [];
  const t: NetlinkTransport & { sent: Buffer[]; inject(d: Buffer): void; closed: boolean } = {
    sent,
    closed: false,
    send(data, done) {
      sent.push(Buffer.from(data));
      for (const m of messages(data)) {
        if (!(m.flags & 4)) continue;
        const err = Buffer.alloc(36);
        err.writeUInt32LE(36, 0);
        err.writeUInt16LE(NLMSG_ERROR, 4);
        err.writeUInt32LE(m.seq, 8);
        err.writeInt32LE(-answer(m.seq), 16);
        setImmediate(() => deliver(err));
      }
      done?.();
    },
    onMessage(fn) {
      deliver = fn;
    },
    onError() {},
    close() {
      t.closed = true;
    },
    inject(d) {
      deliver(d);
    },
  };
  return t;
}

/** A packet message as the kernel builds it: PACKET_HDR, MARK, IFINDEX_INDEV, PAYLOAD (a SYN 10.77.0.2:sport → 203.0.113.10:80). */
export function packetMessage(
  id: number,
  o: { mark?: number; sport?: number; indev?: number; queue?: number } = {},
): Buffer {
  const hdr = Buffer.alloc(7);
  hdr.writeUInt32BE(id);
  hdr.writeUInt16BE(0x0800, 4);
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return b;
  };
  const ip = Buffer.from('4500003c34024000400600000a4d0002cb00710a00000050', 'hex');
  ip.writeUInt16BE(o.sport ?? 40000 + id, 20);
  return encodeNfMessage({ type: msgType(NFQNL_MSG_PACKET), flags: 0, seq: 0, family: 2, resId: o.queue ?? 0 }, [
    { type: NFQA.PACKET_HDR, value: hdr },
    { type: NFQA.MARK, value: u32(o.mark ?? 0) },
    { type: NFQA.IFINDEX_INDEV, value: u32(o.indev ?? 2) },
    { type: NFQA.PAYLOAD, value: ip },
  ]);
}

/** The verdict messages of a datagram: [type, verdict, id, mark]. */
export function verdictsIn(d: Buffer): [string, number, number, number | undefined][] {
  return [...messages(d)].map((m) => {
    let v = [0, 0];
    let mark: number | undefined;
    eachAttr(d, m.start + 4, m.end, (t, a) => {
      if (t === NFQA.VERDICT_HDR) v = [d.readUInt32BE(a), d.readUInt32BE(a + 4)];
      if (t === NFQA.MARK) mark = d.readUInt32BE(a);
    });
    return [
      m.type === msgType(NFQNL_MSG_VERDICT_BATCH)
        ? 'batch'
        : m.type === msgType(NFQNL_MSG_VERDICT)
          ? 'one'
          : String(m.type),
      v[0],
      v[1],
      mark,
    ];
  });
}

/**
 * iptables -t nat and ip6tables -t nat with just enough behaviour: chains of rule strings, -S/-N/-F/-X/-A/-I/-C/-D.
 * `chains` and `writes` are iptables', `chains6` and `writes6` ip6tables' (which starts with an empty PREROUTING).
 */
export function fakeIptables(initial: Record<string, string[]> = { PREROUTING: [] }) {
  const chains = new Map(Object.entries(initial).map(([k, v]) => [k, [...v]]));
  const chains6 = new Map<string, string[]>([['PREROUTING', []]]);
  const writes: string[] = [];
  const writes6: string[] = [];
  const run: Runner = async (argv, o = {}) => {
    assert.deepEqual(argv.slice(1, 4), ['-w', '-t', 'nat']);
    assert.ok(argv[0] === 'iptables' || argv[0] === 'ip6tables', argv[0]);
    const [chains, writes] = argv[0] === 'iptables' ? [chainsOf.v4, writesOf.v4] : [chainsOf.v6, writesOf.v6];
    const [op, chain, ...rest] = argv.slice(4);
    const rules = chains.get(chain);
    const ok = (stdout = '') => ({ stdout, stderr: '', exitCode: 0 });
    const fail = () => {
      if (o.allowFailure) return { stdout: '', stderr: 'No chain/target/match by that name.', exitCode: 1 };
      throw new Error(`iptables ${argv.join(' ')} failed`);
    };
    if (op !== '-S' && op !== '-C') writes.push(argv.slice(4).join(' '));
    if (op === '-N') {
      if (rules) return fail();
      chains.set(chain, []);
      return ok();
    }
    if (!rules) return fail();
    const spec = rest.join(' ');
    switch (op) {
      case '-S':
        return ok(`${[`-N ${chain}`, ...rules.map((r) => `-A ${chain} ${r}`)].join('\n')}\n`);
      case '-F':
        rules.length = 0;
        return ok();
      case '-X':
        chains.delete(chain);
        return ok();
      case '-A':
        rules.push(spec);
        return ok();
      case '-I':
        rules.splice(Number(rest[0]) - 1, 0, rest.slice(1).join(' '));
        return ok();
      case '-C':
        return rules.includes(spec) ? ok() : fail();
      case '-D': {
        const i = rules.indexOf(spec);
        if (i < 0) return fail();
        rules.splice(i, 1);
        return ok();
      }
    }
    throw new Error(`unexpected ${op}`);
  };
  const chainsOf = { v4: chains, v6: chains6 };
  const writesOf = { v4: writes, v6: writes6 };
  return { run, chains, writes, chains6, writes6 };
}

/** A strategy for the service's tests: the WANs in turn (the real strategies belong to the policies plugin). */
export const inTurn: StrategyFactory = (ctx) => {
  let next = 0;
  return {
    name: 'in-turn',
    decide: () => {
      const wans = ctx.wans();
      return wans.length ? wans[next++ % wans.length] : undefined;
    },
  };
};
