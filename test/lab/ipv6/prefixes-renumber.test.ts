// RFC 8978 flash renumbering in ipv6.mode prefixes: WAN 1's delegated prefix changes (what a DHCPv6-PD client does on the
// router: the unreachable route and the LAN address move to the new prefix). The LAN host sees the old address deprecated
// and the new one preferred; the old /64 stays advertised (preferred 0) and routed by WAN 1 only; a restarted daemon
// keeps deprecating it (<stateDir>/ra/prefixes.json); stop is clean.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { burst, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { addressIs, enableSlaac, hostAddresses, router6Snapshot } from '../../kit/lab/slaac.ts';
import { sleep, waitFor } from '../../kit/time.ts';

const RADVD = '/usr/sbin/radvd';
const HOST_ID = '::5';
const OLD = { delegated: '2001:db8:1:100::/56', router: '2001:db8:1:100::1', host: '2001:db8:1:100::5' };
const NEW = { delegated: '2001:db8:1:200::/56', router: '2001:db8:1:200::1', host: '2001:db8:1:200::5' };

describe('mwan lab: IPv6 prefixes mode, a renumbered delegated prefix (RFC 8978)', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess | undefined;
  let before6 = '';
  const is = (addr: string, state: 'preferred' | 'deprecated') => addressIs(lab!, lab!.ns.client, addr, state);
  const radvdConf = () => readFileSync(`${mwan!.dir}/state/ra/radvd.conf`, 'utf8');
  const explain = async () => {
    console.log(daemon!.lines.filter((x) => /radvd|RA:|prefix/.test(x)).join('\n'));
    console.log(radvdConf());
    console.log([...(await hostAddresses(lab!, lab!.ns.client))]);
    console.log((await lab!.exec(lab!.ns.client, ['ip', '-6', 'addr', 'show', 'dev', 'eth0'])).stdout);
    console.log((await lab!.exec(lab!.ns.client, ['rdisc6', '-1', '-w', '5000', 'eth0'], { reject: false })).stdout);
  };

  before(async function () {
    await skipWithoutLab(this, 'ipv6 renumbering');
    if (!existsSync(RADVD)) {
      console.log(`ipv6 renumbering: skipped: ${RADVD} is missing (apt-get install radvd)`);
      this.skip();
    }
    lab = await createLab({ wans: 2, ipv6: true });
    const l = lab;
    // ISP 1 will delegate the new prefix too (it routes both to the router).
    await l.exec(l.ns.isp(1), ['ip', '-6', 'route', 'add', NEW.delegated, 'via', l.addr6.routerWan(1), 'dev', 'down0']);
    await enableSlaac(l, l.ns.client, HOST_ID);
    await startServerInNs(l, l.ns.inet, l.addr6.server, 80);
    await sleep(1500); // link-local routes settle before the snapshot
    before6 = await router6Snapshot(l, ['wan1', 'wan2']);
    // The PD client's state for the old prefix: its unreachable route (mwan's `prefix: auto` reads it) and a LAN address.
    await l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], {
      input: [
        `route add unreachable ${OLD.delegated}`,
        `addr add ${OLD.router}/64 dev lan0 nodad`,
        'addr add 2001:db8:2:100::1/64 dev lan0 nodad',
      ].join('\n'),
    });
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        extra: { ipv6: { mode: 'prefixes', ra: { maxIntervalSeconds: 4 } } },
        wans: {
          1: { ipv6: { address: `${l.addr6.routerWan(1)}/64`, gateway: l.addr6.ispGateway(1), prefix: 'auto' } },
          2: {
            ipv6: {
              address: `${l.addr6.routerWan(2)}/64`,
              gateway: l.addr6.ispGateway(2),
              prefix: l.addr6.delegated(2),
            },
          },
        } as never,
      }),
    );
    daemon = await mwan.startDaemon();
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('before: the host has an address in the delegated prefix, preferred', async () => {
    try {
      await waitFor(() => is(OLD.host, 'preferred'), 20000, `${OLD.host} preferred`);
    } catch (error) {
      await explain();
      throw error;
    }
  });

  it('renumbered: the old address turns deprecated, the new one preferred; new connections use the new prefix', async () => {
    const l = lab!;
    // What the PD client does when it is given a new prefix: the unreachable route and the LAN address move.
    await l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], {
      input: [
        `route del unreachable ${OLD.delegated}`,
        `route add unreachable ${NEW.delegated}`,
        `addr del ${OLD.router}/64 dev lan0`,
        `addr add ${NEW.router}/64 dev lan0 nodad`,
      ].join('\n'),
    });
    try {
      const ms = await waitFor(
        async () => (await is(OLD.host, 'deprecated')) && (await is(NEW.host, 'preferred')),
        40000,
        `${OLD.host} deprecated and ${NEW.host} preferred`,
      );
      console.log(
        `      renumbered: old deprecated and new preferred on the host ${Math.round(ms)} ms after the change`,
      );
    } catch (error) {
      await explain();
      throw error;
    }
    assert.match(radvdConf(), /prefix 2001:db8:1:100::\/64 \{[^}]*stale[^}]*AdvPreferredLifetime 0;/);
    const lft = /prefix 2001:db8:1:100::\/64 \{[^}]*AdvValidLifetime (\d+);/.exec(radvdConf());
    assert.ok(lft && Number(lft[1]) <= 7200 && Number(lft[1]) > 7000, `stale valid lifetime: ${lft?.[1]}`);
    // The old /64 is still routed by WAN 1 (a from-rule of its own; the /56 rule followed the new prefix).
    const rules = (await l.exec(l.ns.router, ['ip', '-6', 'rule', 'show'])).stdout;
    assert.match(rules, /from 2001:db8:1:100::\/64 lookup \d+/, rules);
    assert.match(rules, /from 2001:db8:1:200::\/56 lookup \d+/, rules);
    assert.doesNotMatch(rules, /from 2001:db8:1:100::\/56/, rules);
    const r = await burst(l, l.ns.client, { count: 6, concurrency: 3, to: l.addr6.server, timeoutMs: 2000 });
    assert.equal(r.ok, 6, JSON.stringify(r));
    assert.ok(!(OLD.host in r.bySource), `a new connection used the deprecated address: ${JSON.stringify(r.bySource)}`);
    const bound = await burst(l, l.ns.client, { count: 2, to: l.addr6.server, bind: NEW.host, timeoutMs: 3000 });
    assert.deepEqual(bound.bySource, { [NEW.host]: 2 }, 'the new prefix is routed');
  });

  it('a restarted daemon (SIGTERM, state kept) still advertises the stale prefix deprecated', async () => {
    const l = lab!;
    await daemon!.kill(10000);
    const saved = JSON.parse(readFileSync(`${mwan!.dir}/state/ra/prefixes.json`, 'utf8')) as {
      stale: { prefix: string }[];
    };
    assert.deepEqual(
      saved.stale.map((s) => s.prefix),
      ['2001:db8:1:100::/64'],
    );
    daemon = await mwan!.startDaemon();
    await waitFor(() => is(NEW.host, 'preferred'), 20000, `${NEW.host} preferred after the restart`);
    assert.match(radvdConf(), /prefix 2001:db8:1:100::\/64 \{[^}]*stale[^}]*AdvPreferredLifetime 0;/);
    await sleep(5000); // a few RAs of the new radvd: the old address is not preferred again
    assert.ok(await is(OLD.host, 'deprecated'), `${OLD.host} deprecated after the restart`);
    const rules = (await l.exec(l.ns.router, ['ip', '-6', 'rule', 'show'])).stdout;
    assert.match(rules, /from 2001:db8:1:100::\/64 lookup \d+/, rules);
  });

  it('stop leaves ip -6 rules, routes and sysctls as they were', async () => {
    const l = lab!;
    assert.equal((await mwan!.ctl(['stop'])).exitCode, 0);
    await waitFor(() => daemon!.hasExited, 15000, 'the daemon to exit');
    // Remove what the test itself added as the PD client, then compare with before.
    await l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], {
      input: [
        `route del unreachable ${NEW.delegated}`,
        `addr del ${NEW.router}/64 dev lan0`,
        'addr del 2001:db8:2:100::1/64 dev lan0',
      ].join('\n'),
    });
    await sleep(500);
    assert.equal(await router6Snapshot(l, ['wan1', 'wan2']), before6);
  });
});
