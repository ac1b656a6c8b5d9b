// A modem for the HA lab: one address to give (a single-address uplink, kind b), both routers on its segment, NAT to inet.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HaLab, RouterName } from './ha-pair.ts';
import { ROUTERS } from './ha-pair.ts';
import { ipBatch, nftApply } from './netns.ts';

export interface Modem {
  ns: string;
  /** The routers' own device on the modem's segment (no address: keepalived's VMAC sits on it). */
  link: string;
  /** The WAN's device: the VMAC keepalived makes on `link`. */
  vmac: string;
  /** The one address the modem gives (with its prefix), its own address (the gateway) and its public address. */
  address: string;
  gateway: string;
  public: string;
  /** The modem's neighbour entry for the uplink address: its MAC and state (REACHABLE, STALE, …), or null without one. */
  neighbour(): Promise<{ mac: string; state: string } | null>;
  /** The router's modem link down (a power loss cuts it too: call before lab.powerOff) or up. */
  setLink(r: RouterName, up: boolean): Promise<void>;
}

const modemRuleset = `
table ip lab {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "up0" masquerade; }
}
`;

/** Adds the modem namespace (torn down with the lab), its bridge in the switch namespace and a link from each router. */
export async function addModem(lab: HaLab): Promise<Modem> {
  const ns = `${lab.prefix}-modem`;
  // The lab's teardown and exit cleanup delete every name in this array (the same array): the modem goes with it.
  lab.namespaces.push(ns);
  const m: Modem = {
    ns,
    link: 'wanm',
    vmac: 'vmacm',
    address: '192.168.1.10/24',
    gateway: '192.168.1.1',
    public: '198.51.100.30',
    async neighbour() {
      const out = (await lab.exec(ns, ['ip', '-4', 'neigh', 'show', 'dev', 'down0', '192.168.1.10'])).stdout.trim();
      const hit = /lladdr (\S+) (\S+)/.exec(out);
      return hit ? { mac: hit[1] ?? '', state: hit[2] ?? '' } : null;
    },
    setLink: (r, up) => ipBatch([`link set dev wanm ${up ? 'up' : 'down'}`], lab.ns.router(r)),
  };
  await ipBatch([`netns add ${ns}`]);
  await ipBatch(
    ['link add brmodem type bridge forward_delay 0 mcast_snooping 0 stp_state 0', 'link set dev brmodem up'],
    lab.ns.sw,
  );
  await Promise.all([
    ...ROUTERS.map((r) =>
      ipBatch(
        [`link add wanm type veth peer name ${r}wanm netns ${lab.ns.sw}`, 'link set dev wanm up'],
        lab.ns.router(r),
      ),
    ),
    ipBatch(
      [
        'link set dev lo up',
        `link add down0 type veth peer name modem netns ${lab.ns.sw}`,
        `link add up0 type veth peer name modem netns ${lab.ns.inet}`,
        `addr add ${m.gateway}/24 dev down0`,
        'link set dev down0 up',
        `addr add ${m.public}/30 dev up0`,
        'link set dev up0 up',
      ],
      ns,
    ),
  ]);
  await Promise.all([
    ipBatch(
      [...ROUTERS.map((r) => `${r}wanm`), 'modem'].flatMap((l) => [
        `link set dev ${l} master brmodem`,
        `link set dev ${l} up`,
      ]),
      lab.ns.sw,
    ),
    ipBatch(['addr add 198.51.100.29/30 dev modem', 'link set dev modem up'], lab.ns.inet),
  ]);
  await ipBatch(['route add default via 198.51.100.29 dev up0'], ns);
  await lab.exec(ns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  await nftApply(ns, modemRuleset);
  return m;
}

/** busybox (Debian's `busybox`): udhcpd for the modem, udhcpc for the routers. */
export const BUSYBOX = '/usr/bin/busybox';

/**
 * The modem as a DHCP server with one address to give (busybox udhcpd in its namespace, tracked by the lab); files
 * in `dir`. Returns the argv of a router's client for the uplink (udhcpc on the VMAC, with a script that sets or removes
 * the address), the one `ha.uplinks.<wan>.client` takes.
 */
export async function startDhcp(lab: HaLab, modem: Modem, dir: string): Promise<string[]> {
  const conf = path.join(dir, 'udhcpd.conf');
  writeFileSync(
    conf,
    [
      'start 192.168.1.10',
      'end 192.168.1.10',
      'max_leases 1',
      'interface down0',
      `lease_file ${path.join(dir, 'udhcpd.leases')}`,
      `pidfile ${path.join(dir, 'udhcpd.pid')}`,
      'option subnet 255.255.255.0',
      `option router ${modem.gateway}`,
      'option lease 600',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'udhcpd.leases'), '');
  const script = path.join(dir, 'udhcpc.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      '# The lab uplink client script: the leased address on the VMAC (the gateway is in the configuration).',
      'case "$1" in',
      '  deconfig) ip -4 addr flush dev "$interface" ;;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion in the script's text
      '  bound|renew) ip -4 addr replace "$ip/${mask:-24}" dev "$interface" ;;',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  lab.spawn(modem.ns, [BUSYBOX, 'udhcpd', '-f', conf]);
  return [BUSYBOX, 'udhcpc', '-f', '-i', modem.vmac, '-s', script, '-t', '100', '-T', '1', '-A', '1'];
}
