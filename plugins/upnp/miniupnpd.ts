// The miniupnpd instance as data: its configuration file, its bookkeeping nft table, and the process spec mwan supervises.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ProcessSpec, WanView, WorldView } from '../../plugin-api/index.ts';
import type { UpnpOptions } from './options.ts';
import { reservedPortRanges } from './validate.ts';

/** `accepted`: the leases mwan validated, copied over miniupnpd's lease file before every start. */
export interface UpnpPaths {
  dir: string;
  config: string;
  leases: string;
  accepted: string;
  pid: string;
  nftInit: string;
  nftRemove: string;
}

export function upnpPaths(stateDir: string): UpnpPaths {
  const dir = path.join(stateDir, 'upnp');
  return {
    dir,
    config: path.join(dir, 'miniupnpd.conf'),
    leases: path.join(dir, 'miniupnpd.leases'),
    accepted: path.join(dir, 'accepted.leases'),
    pid: path.join(dir, 'miniupnpd.pid'),
    nftInit: path.join(dir, 'nft-init.nft'),
    nftRemove: path.join(dir, 'nft-remove.nft'),
  };
}

/** miniupnpd's chains in its table: no hooks, so they only record the mappings; mwan forwards them from its own table. */
export const CHAINS = {
  forward: 'miniupnpd',
  prerouting: 'prerouting_miniupnpd',
  postrouting: 'postrouting_miniupnpd',
} as const;

export interface InstancePlan {
  wan: Pick<WanView, 'name' | 'device'>;
  lanDevice: string;
  /** The LAN device's networks (permission rules let only them map ports). */
  lanNetworks: string[];
  /** Port ranges static forwards use: clients may not map them. */
  reservedPorts: { from: number; to: number }[];
  table: string;
  uuid: string;
  paths: UpnpPaths;
  options: UpnpOptions;
}

/** The table miniupnpd writes to: beside mwan's own, named after it (`mwan_upnp`). */
export const upnpTable = (world: WorldView): string => `${world.layout.nftTable}_upnp`;

/** A stable UUID for the gateway device (clients recognise it across restarts), derived from table and LAN device. */
export function deviceUuid(table: string, lanDevice: string): string {
  const h = createHash('sha1').update(`mwan upnp ${table} ${lanDevice}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function planInstance(
  world: WorldView,
  options: UpnpOptions,
  wan: Pick<WanView, 'name' | 'device'>,
  paths: UpnpPaths,
): InstancePlan {
  const lan = world.lans.find((l) => l.device === options.lanDevice);
  const reservedPorts = reservedPortRanges(world.config, options.wans).map(({ from, to }) => ({ from, to }));
  const table = upnpTable(world);
  return {
    wan: { name: wan.name, device: wan.device },
    lanDevice: options.lanDevice,
    lanNetworks: lan?.networks ?? [],
    reservedPorts,
    table,
    uuid: deviceUuid(table, options.lanDevice),
    paths,
    options,
  };
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** miniupnpd.conf for the plan (see miniupnpd(8) and Debian's /usr/share/miniupnpd/miniupnpd.conf). */
export function renderConfig(p: InstancePlan): string {
  const o = p.options;
  const ext = o.externalAddresses[p.wan.name];
  const range = (r: { from: number; to: number }) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);
  const lines = [
    `# Written by mwan's upnp plugin for WAN ${p.wan.name}; rewritten on every start.`,
    `ext_ifname=${p.wan.device}`,
    ...(ext
      ? [`ext_ip=${ext}`]
      : o.stun
        ? ['ext_perform_stun=yes', `ext_stun_host=${o.stun.host}`, `ext_stun_port=${o.stun.port}`]
        : []),
    `listening_ip=${p.lanDevice}`,
    `http_port=${o.httpPort}`,
    'ipv6_disable=yes',
    'enable_upnp=yes',
    `enable_natpmp=${yesNo(o.natPmp)}`,
    `secure_mode=${yesNo(o.secureMode)}`,
    'system_uptime=yes',
    `uuid=${p.uuid}`,
    `lease_file=${p.paths.leases}`,
    `upnp_table_name=${p.table}`,
    `upnp_nat_table_name=${p.table}`,
    `upnp_forward_chain=${CHAINS.forward}`,
    `upnp_nat_chain=${CHAINS.prerouting}`,
    `upnp_nat_postrouting_chain=${CHAINS.postrouting}`,
    '# Permission rules, first match wins: ports of static forwards are taken; LAN hosts may map ports from minPort.',
    ...p.reservedPorts.map((r) => `deny ${range(r)} 0.0.0.0/0 0-65535`),
    ...p.lanNetworks.map((n) => `allow ${o.minPort}-65535 ${n} ${o.minPort}-65535`),
    'deny 0-65535 0.0.0.0/0 0-65535',
  ];
  return `${lines.join('\n')}\n`;
}

/** Recreates miniupnpd's table empty (it re-adds its mappings from the lease file when it starts). */
export function renderNftInit(table: string): string {
  const chain = (name: string) =>
    `  chain ${name} {\n    comment "miniupnpd bookkeeping only (no hook); mwan forwards the mappings in its own table"\n  }`;
  return [
    `table inet ${table} {}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    ...Object.values(CHAINS).map(chain),
    '}',
    '',
  ].join('\n');
}

export const renderNftRemove = (table: string): string => `table inet ${table} {}\ndelete table inet ${table}\n`;

export function processSpec(p: InstancePlan): ProcessSpec {
  return {
    name: 'miniupnpd',
    argv: [p.options.binary, '-d', '-f', p.paths.config, '-P', p.paths.pid],
    files: [
      { path: p.paths.config, content: renderConfig(p) },
      { path: p.paths.nftInit, content: renderNftInit(p.table) },
      { path: p.paths.nftRemove, content: renderNftRemove(p.table) },
    ],
    // miniupnpd re-creates the mappings in its lease file at start without secure-mode checks: it gets only the ones mwan
    // validated from its nft table (never a line a client forged through a description).
    before: [
      ['nft', '-f', p.paths.nftInit],
      ['cp', '--remove-destination', p.paths.accepted, p.paths.leases],
    ],
    after: [['nft', '-f', p.paths.nftRemove]],
    backoff: { firstMs: 1000, maxMs: 30_000, stableMs: 10_000 },
  };
}

/**
 * The level to log a line of miniupnpd's output at (with -d it prints everything, debug included), the line without its
 * `miniupnpd[pid]:` prefix, and whether it says the daemon is up (it has put its leases back by then).
 */
export function classifyLine(line: string): { level: 'warn' | 'info' | 'debug'; text: string; ready: boolean } {
  const text = line.replace(/^miniupnpd\[\d+\]:\s*/, '');
  const ready = /^HTTP listening on port/.test(text);
  if (/^Returning UPnPError|could not open lease file/.test(text)) return { level: 'debug', text, ready };
  if (/error|fail|cannot|can't|could not|refus|impossible|disabled|not suitable|reserved|EXITING/i.test(text))
    return { level: 'warn', text, ready };
  if (
    /^(version .* starting|STUN: ext interface|Port forwarding is now|HTTP listening|Listening for NAT-PMP|redirecting port|shutting down)/.test(
      text,
    )
  )
    return { level: 'info', text, ready };
  return { level: 'debug', text, ready };
}
