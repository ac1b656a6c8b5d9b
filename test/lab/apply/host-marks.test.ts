// The host's packet-mark bits survive mwan: a host table marks bits outside mwan's fields before mwan's chains, and every packet still carries them after.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

/** Bits outside markMask 0xff00, nfqueueTagMask 0x7f000000 and the done bit 0x80000000. */
const HOST_BITS = 0x00010001;
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * The host's own table (as WireGuard, kube-proxy or a firewall would have): marks every packet before mwan's mangle
 * chains (-150), and counts after them, in prerouting (-100, both directions of forwarded connections) and
 * postrouting (200, after mwan's postrouting and its source NAT), TCP to and from the lab's servers only.
 */
function hostTable(server: string): string {
  const tcp = `ip daddr ${server} tcp dport { 80, 8080 }`;
  const back = `ip saddr ${server} tcp sport { 80, 8080 }`;
  const kept = `meta mark & ${hex(HOST_BITS)} == ${hex(HOST_BITS)}`;
  return `table inet host_marks {
  counter pre_all {}
  counter pre_kept {}
  counter post_all {}
  counter post_kept {}
  chain mark_pre { type filter hook prerouting priority -200; policy accept; meta mark set meta mark | ${hex(HOST_BITS)}; }
  chain mark_out { type route hook output priority -200; policy accept; meta mark set meta mark | ${hex(HOST_BITS)}; }
  chain count_pre {
    type filter hook prerouting priority -100; policy accept;
    ${tcp} counter name pre_all
    ${back} counter name pre_all
    ${tcp} ${kept} counter name pre_kept
    ${back} ${kept} counter name pre_kept
  }
  chain count_post {
    type filter hook postrouting priority 200; policy accept;
    ${tcp} counter name post_all
    ${tcp} ${kept} counter name post_kept
  }
}
`;
}

async function counters(lab: Lab): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const json = JSON.parse(
    (await lab.exec(lab.ns.router, ['nft', '-j', 'list', 'counters', 'table', 'inet', 'host_marks'])).stdout,
  ) as { nftables: { counter?: { name: string; packets: number } }[] };
  for (const item of json.nftables) if (item.counter) out[item.counter.name] = item.counter.packets;
  return out;
}

describe("mwan lab: the host's mark bits are kept", function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'host-marks');
    lab = await createLab({ wans: 3 });
    // Rules that classify the router's own connections too (port 8080), so mwan's output restore runs on them.
    mwan = mwanFor(lab, (dir) =>
      labConfig(lab!, dir, { extra: { rules: [{ proto: 'tcp', dport: 8080, policy: 'default' }] } }),
    );
    await lab.exec(lab.ns.router, ['nft', '-f', '-'], { input: hostTable(lab.addr.server) });
    await Promise.all([startServers(lab), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  const reset = (l: Lab) => l.exec(l.ns.router, ['nft', 'reset', 'counters', 'table', 'inet', 'host_marks']);

  it("every packet of LAN connections keeps the host bits through mwan's chains, and connections still spread over the WANs", async () => {
    const l = lab!;
    await reset(l);
    const r = await burst(l, l.ns.client, { count: 30, concurrency: 5 });
    const c = await counters(l);
    console.log(`      LAN: ${JSON.stringify(r.byIsp.slice(1))}, counters ${JSON.stringify(c)}`);
    assert.equal(r.ok, 30, JSON.stringify(r));
    assert.ok(
      [1, 2, 3].filter((i) => r.byIsp[i] > 0).length > 1,
      `all connections used one WAN: ${JSON.stringify(r.byIsp)}`,
    );
    assert.ok(c.pre_all >= 30 * 4, `too few packets counted: ${JSON.stringify(c)}`);
    assert.equal(
      c.pre_kept,
      c.pre_all,
      `packets lost the host bits ${hex(HOST_BITS)} in prerouting: ${JSON.stringify(c)}`,
    );
    assert.equal(
      c.post_kept,
      c.post_all,
      `packets lost the host bits ${hex(HOST_BITS)} by postrouting: ${JSON.stringify(c)}`,
    );
  });

  it("every packet of the router's own connections keeps them too (mwan's output restore and rule classification)", async () => {
    const l = lab!;
    await reset(l);
    const r = await burst(l, l.ns.router, { count: 20, concurrency: 5, port: 8080 });
    const c = await counters(l);
    console.log(`      router: ${JSON.stringify(r.byIsp.slice(1))}, counters ${JSON.stringify(c)}`);
    assert.equal(r.ok, 20, JSON.stringify(r));
    assert.ok(
      [1, 2, 3].filter((i) => r.byIsp[i] > 0).length > 1,
      `all router connections used one WAN: ${JSON.stringify(r.byIsp)}`,
    );
    assert.ok(c.post_all >= 20 * 3, `too few packets counted: ${JSON.stringify(c)}`);
    assert.equal(c.post_kept, c.post_all, `router packets lost the host bits ${hex(HOST_BITS)}: ${JSON.stringify(c)}`);
    assert.equal(c.pre_kept, c.pre_all, `replies lost the host bits ${hex(HOST_BITS)}: ${JSON.stringify(c)}`);
  });
});
