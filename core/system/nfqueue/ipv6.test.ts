// NFQUEUE for IPv6 connections: the packet parser (extension headers, fragments), decisions among the WANs in service for IPv6, and the rules in ip6tables.
import assert from 'node:assert/strict';
import { NF_REPEAT, type QueuedPacket } from './messages.ts';
import { parseIpv6, parsePacket, protoName } from './packet.ts';
import { NfqueueRuntime } from './runtime.ts';
import { MemoryNfqueue } from './adapters.ts';
import { NFQ_DONE_BIT } from './index.ts';
import { applyCommands, applyNfqRules, removeNfqRules, type NfqRulesSpec } from './rules.ts';
import { fakeIptables, inTurn } from './testing.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** IPv6 header: version 6, payload length, next header, hop limit 64, fd00:77::2 → 2001:db8::10. */
const ip6 = (next: number, rest: string) =>
  hex(
    `60000000 ${(rest.replace(/\s+/g, '').length / 2).toString(16).padStart(4, '0')} ${next.toString(16).padStart(2, '0')} 40
     fd000077000000000000000000000002 20010db8000000000000000000000010 ${rest}`,
  );
/** A TCP header's first 4 bytes (ports 40000 → 80) and 16 more. */
const TCP = `9c40 0050 ${'00'.repeat(16)}`;

describe('nfqueue for IPv6', () => {
  it('parses IPv6 addresses (RFC 5952), protocol and ports, through extension headers; no ports after a first fragment', () => {
    assert.deepEqual(parseIpv6(ip6(6, TCP)), {
      src: 'fd00:77::2',
      dst: '2001:db8::10',
      proto: 6,
      sport: 40000,
      dport: 80,
    });
    // Hop-by-hop (8 bytes) then destination options (16 bytes), then TCP.
    const hbh = `3c 00 ${'00'.repeat(6)}`;
    const dst = `06 01 ${'00'.repeat(14)}`;
    assert.equal(parseIpv6(ip6(0, hbh + dst + TCP))?.dport, 80);
    // Fragment header, offset 0 (first fragment): ports; offset 1 (8 bytes on): none.
    assert.equal(parseIpv6(ip6(44, `06 00 0000 00000001 ${TCP}`))?.sport, 40000);
    const later = parseIpv6(ip6(44, `06 00 0008 00000001 ${TCP}`));
    assert.equal(later?.proto, 6);
    assert.equal(later?.sport, undefined);
    // ICMPv6 echo: protocol 58, no ports.
    const icmp = parseIpv6(ip6(58, '8000 0000 0001 0001'));
    assert.deepEqual([icmp?.proto, icmp?.sport, protoName(58)], [58, undefined, 'icmpv6']);
    // Too short, or IPv4 bytes: not an IPv6 header; parsePacket says the family.
    assert.equal(parseIpv6(hex('6000000000')), null);
    assert.equal(parsePacket(ip6(17, '1234 0035 0008 0000'))?.family, 'ipv6');
    assert.equal(parsePacket(hex('4500003c34024000400600000a4d0002cb00710a9c400050'))?.family, 'ipv4');
    assert.equal(parsePacket(hex('00'.repeat(40))), null);
  });

  it("decides an IPv6 connection among the WANs in service for IPv6 (the strategy's ctx.wans() lists them)", () => {
    const v4 = [
      { name: 'isp1', mark: 0x3900 },
      { name: 'isp2', mark: 0xa300 },
    ];
    const seen: { family: string; src: string }[] = [];
    let wansSeen: string[] = [];
    const rt: NfqueueRuntime = new NfqueueRuntime({
      mask: 0xff00,
      doneBit: NFQ_DONE_BIT,
      wans: () => v4,
      wans6: () => [v4[1]],
      strategy: {
        name: 't',
        decide: (c) => {
          seen.push({ family: c.family, src: c.src });
          wansSeen = rt.wansNow().map((w) => w.name);
          return 'isp1';
        },
      },
    });
    const pkt = (payload: Buffer): QueuedPacket => ({
      queue: 0,
      id: 1,
      hwProtocol: 0x86dd,
      hook: 0,
      mark: 0,
      indev: 2,
      payload,
    });
    // isp1 is out of service for IPv6: naming it keeps the kernel's choice (done bit only).
    assert.deepEqual(rt.handle(pkt(ip6(6, TCP))), { id: 1, verdict: NF_REPEAT, mark: NFQ_DONE_BIT });
    assert.deepEqual(seen, [{ family: 'ipv6', src: 'fd00:77::2' }]);
    assert.deepEqual(wansSeen, ['isp2']);
    assert.equal(rt.stats.strategyErrors, 1);
    // An IPv4 connection still decides among every WAN in service.
    const v4pkt = hex('4500003c34024000400600000a4d0002cb00710a9c400050');
    assert.deepEqual(rt.handle(pkt(v4pkt)).mark, (0x3900 | NFQ_DONE_BIT) >>> 0);
    assert.deepEqual(wansSeen, ['isp1', 'isp2']);
  });

  it('the memory adapter decides IPv6 connections among wans6', async () => {
    const m = new MemoryNfqueue();
    const wans = [
      { name: 'a', mark: 0x100 },
      { name: 'b', mark: 0x200 },
    ];
    await m.start({
      queue: 3,
      strategy: 'in-turn',
      factory: inTurn,
      wans: () => wans,
      wans6: () => [wans[1]],
      mask: 0xff00,
    });
    assert.deepEqual([m.decide(3, { family: 'ipv6' }), m.decide(3, { family: 'ipv6' })], ['b', 'b']);
  });

  it('with ipv6 the same chains and jump go to ip6tables too; without, mwan chains left there are removed; stop removes both', async () => {
    const spec: NfqRulesSpec = {
      mask: 0xff00,
      doneBit: 0x80000000,
      bindings: [{ queue: 0, match: ['-i', 'lan0'] }],
      ipv6: true,
    };
    const cmds = applyCommands(spec).map((a) => a.join(' '));
    assert.equal(cmds.length, 14);
    assert.deepEqual(
      cmds.slice(7).map((c) => c.replace(/^ip6tables/, 'iptables')),
      cmds.slice(0, 7),
    );
    const ipt = fakeIptables();
    assert.equal(await applyNfqRules(ipt.run, spec), true);
    assert.deepEqual(ipt.chains6.get('PREROUTING'), ['-m comment --comment mwan-nfqueue -j MWAN_NFQ']);
    assert.deepEqual(ipt.chains6.get('MWAN_NFQ'), ipt.chains.get('MWAN_NFQ'));
    const writes = ipt.writes6.length;
    assert.equal(await applyNfqRules(ipt.run, spec), false, 'a second apply changes nothing');
    assert.equal(ipt.writes6.length, writes);
    assert.equal(await applyNfqRules(ipt.run, { ...spec, ipv6: false }), true);
    assert.deepEqual([...ipt.chains6.keys()], ['PREROUTING']);
    assert.deepEqual(ipt.chains6.get('PREROUTING'), []);
    assert.ok(ipt.chains.has('MWAN_NFQ'), 'IPv4 keeps its chains');
    assert.equal(await applyNfqRules(ipt.run, { ...spec, ipv6: false }), false);
    await applyNfqRules(ipt.run, spec);
    await removeNfqRules(ipt.run);
    assert.deepEqual([...ipt.chains.keys(), ...ipt.chains6.keys()], ['PREROUTING', 'PREROUTING']);
  });
});
