// Writes the starter configuration `mwanctl init` proposes for a machine: WANs, LANs and probes, every line commented.
import { subnetOf } from '../../config/schema/addresses.ts';
import { OBJECT_NAME, ipv4ToInt } from '../../config/schema/validators.ts';
import type { Machine } from './discover.ts';

/** RFC 1918 networks: a link with an address there (and no default route) is taken for a LAN. */
const PRIVATE = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const;

export function isPrivate(address: string): boolean {
  const a = ipv4ToInt(address);
  return PRIVATE.some(([net, len]) => (a ^ ipv4ToInt(net)) >>> (32 - len) === 0);
}

const tableName = (t: number) => (t === 254 ? 'main' : `table ${t}`);

/** Documented public resolvers, offered only in comments: the file init writes never makes mwan contact them. */
const SUGGESTED_TARGETS = [
  ['9.9.9.9', 'Quad9'],
  ['1.1.1.1', 'Cloudflare'],
  ['8.8.8.8', 'Google Public DNS'],
];

export interface Starter {
  yaml: string;
  wans: string[];
  lans: string[];
}

/** The starter configuration for `machine`; throws when no link has a default route or a DHCP lease. */
export function starterConfig(machine: Machine): Starter {
  const wanDevices = machine.links
    .map((l) => l.name)
    .filter(
      (name) =>
        name !== 'lo' &&
        (machine.defaults.some((d) => d.dev === name) || machine.leases.some((l) => l.device === name && l.router)),
    );
  if (!wanDevices.length) {
    throw new Error(
      'found no interface with a default route (in any table) or a DHCP lease: bring the uplinks up first, ' +
        'or start from /usr/share/doc/mwan/examples',
    );
  }
  const out = [
    '# mwan configuration: a starter written by `mwanctl init` from what this machine showed. Review every line, then:',
    '#   mwanctl check     validates it (fields, devices, probes)',
    '#   mwanctl plan      prints what an apply would change in the kernel',
    '#   mwanctl apply     applies it once (or: systemctl enable --now mwan)',
    '# yaml-language-server: $schema=/usr/share/doc/mwan/examples/mwan.schema.json',
    'mode: balanced              # balanced: new connections spread over the WANs by weight; failover: by tier',
  ];
  if (wanDevices.length === 1)
    out.push('# only one uplink was found: add the others (a WAN per uplink) before mwan has anything to balance');
  out.push('wans:');
  wanDevices.forEach((device, i) => {
    const routes = machine.defaults
      .filter((d) => d.dev === device)
      .map(
        (d) =>
          `default via ${d.via ?? '(none: point-to-point)'} in ${tableName(d.table)}${d.metric !== undefined ? ` metric ${d.metric}` : ''}`,
      );
    const lease = machine.leases.find((l) => l.device === device && l.router);
    const seen = [...routes, ...(lease ? [`a DHCP lease with router ${lease.router}`] : [])];
    out.push(
      `  - name: ${OBJECT_NAME.test(device) ? device : `wan${i + 1}`}   # ${seen.join('; ')}`,
      `    device: ${device}`,
      "    gateway: auto           # the default route's gateway, followed when DHCP changes it; or write the address",
      '    weight: 1               # its share of new connections, relative to the other WANs (1-1000)',
      '    probes:',
      '      - target: gateway     # the current gateway answering ping proves the first hop only;',
      '      # add a target beyond your ISP that you may ping. Public resolvers answer ping; uncomment ONE to have mwan',
      '      # ping it through this WAN (every health.intervalMs: consider intervalMs 1000 below):',
      ...SUGGESTED_TARGETS.map(([address, who]) => `${`      # - target: ${address}`.padEnd(31)}# ${who}`),
    );
  });
  const lans = machine.links
    .filter((l) => l.name !== 'lo' && !wanDevices.includes(l.name) && l.adminUp)
    .map((l) => ({ device: l.name, addresses: l.addresses.filter((a) => isPrivate(a.address)) }))
    .filter((l) => l.addresses.length > 0);
  if (lans.length) {
    out.push(
      'lan:                        # the networks behind the router (interfaces with private addresses and no default route)',
    );
    for (const l of lans) {
      const cidrs = l.addresses.map((a) => `${a.address}/${a.prefixLength}`);
      const nets = l.addresses.map(subnetOf);
      out.push(
        `  - device: ${l.device}`,
        `${`    addresses: [${cidrs.join(', ')}]`.padEnd(30)}# network ${nets.join(', ')}`,
      );
    }
  } else {
    out.push('# no LAN found (no other interface with a private address): add `lan: [{ device: NAME }]` for a router');
  }
  out.push(
    '# health:                    # defaults: a probe round every 150 ms, out after 4 failed rounds, back after 16 good',
    '#   intervalMs: 1000         # gentler on public targets: out after about 4 s',
  );
  return { yaml: `${out.join('\n')}\n`, wans: wanDevices, lans: lans.map((l) => l.device) };
}
