// `npm run demo`: a guided tour in the namespace lab — balance, status, a carrier cut and its switch time, recovery, teardown.
import { createLab, hasLabPrivileges, type Lab } from '../kit/lab/topology.ts';
import { burst, startServers } from '../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../kit/lab/fixture.ts';
import { startProber } from '../bench/prober-client.ts';

const say = (text: string) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
const bar = (share: number) => '#'.repeat(Math.round(share * 40));

async function shares(lab: Lab, count: number): Promise<number[]> {
  const b = await burst(lab, lab.ns.client, { count, concurrency: 25, timeoutMs: 3000 });
  const rows = b.byIsp.slice(1).map((n, k) => {
    const share = b.ok ? n / b.ok : 0;
    console.log(
      `  isp${k + 1}  ${String(n).padStart(4)} connections  ${(share * 100).toFixed(1).padStart(5)}%  ${bar(share)}`,
    );
    return n;
  });
  if (b.failed) console.log(`  (${b.failed} connections failed)`);
  return rows;
}

async function main(): Promise<void> {
  const priv = await hasLabPrivileges();
  if (!priv.ok) {
    console.error(`the demo builds network namespaces and needs root: ${priv.why}`);
    process.exit(1);
  }
  say('Building the lab: a LAN client, a router, three ISPs that NAT, and an "internet" with a server');
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    await startServers(lab);
    console.log(`  namespaces ${lab.namespaces.join(', ')} (nothing touches this machine's own network)`);
    mwan = mwanFor(lab, (dir) => {
      const cfg = labConfig(lab, dir, { wans: { 1: { weight: 3 }, 2: { weight: 2 }, 3: { weight: 1 } } });
      // two ping targets per WAN, probed through that WAN (both "internet" servers of the lab)
      for (const w of cfg.wans as Record<string, unknown>[])
        w.probes = [
          { method: 'icmp', target: lab.addr.server },
          { method: 'icmp', target: lab.addr.server2 },
        ];
      return cfg;
    });
    say('The configuration: three WANs weighted 3:2:1, each probed with two ping targets; LAN lan0');
    console.log((await mwan.ctl(['check'])).stdout.trimEnd());
    say('Starting the mwan daemon in the router namespace');
    await mwan.startDaemon();
    say('mwanctl status');
    console.log((await mwan.ctl(['status'])).stdout.trimEnd());
    say("300 new connections from the LAN client: where did they leave? (the server sees each ISP's address)");
    await shares(lab, 300);
    say('Cutting the carrier on isp1 (the ISP end of its cable goes down)');
    const prober = await startProber(lab, 40); // a connection attempt every 5 ms from the LAN client
    const cut = Date.now();
    await lab.cutCarrier(1);
    const moved = await prober.lastFailureAfter(cut, 1500);
    await prober.stop();
    console.log(
      `  a new connection every 5 ms from the LAN: the last one that failed started ${moved} ms after the cut; every later one got through`,
    );
    console.log(
      (await mwan.ctl(['status'])).stdout
        .split('\n')
        .filter((l) => /isp1|out of service|WAN /.test(l))
        .join('\n'),
    );
    say('200 connections while isp1 is down');
    await shares(lab, 200);
    say('Restoring isp1');
    await lab.restoreCarrier(1);
    await new Promise((r) => setTimeout(r, 300));
    await shares(lab, 300);
    say('Breaking the path behind isp2 (its link stays up: only the probes can tell)');
    const probe2 = await startProber(lab, 40);
    const broken = Date.now();
    await lab.cutUpstream(2);
    const healed = await probe2.lastFailureAfter(broken, 3000);
    await probe2.stop();
    console.log(
      `  the last new connection that failed started ${healed} ms after the break; every later one got through`,
    );
    console.log(
      (await mwan.ctl(['status'])).stdout
        .split('\n')
        .filter((l) => /isp2|WAN /.test(l))
        .join('\n'),
    );
    say("Repairing isp2's upstream: it is back after enough good probe rounds");
    const repaired = Date.now();
    await lab.restoreUpstream(2);
    const prober3 = await startProber(lab, 20);
    const back = await prober3.firstVia(repaired, [2], 10000);
    await prober3.stop();
    console.log(`  the first new connection through isp2 again started ${back} ms after the repair`);
    say('mwanctl stop: everything mwan created is removed, nothing else');
    console.log((await mwan.ctl(['stop'])).stdout.trimEnd());
  } finally {
    await mwan?.cleanup();
    await lab.teardown();
    say('Lab torn down');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
