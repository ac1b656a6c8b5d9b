// keepalived.conf, conntrackd.conf and the notify script of one node, as text: pure functions of the ha section.
import path from 'node:path';
import type { HaConfig, HaNode } from './options.ts';
import { ignoredAddresses6, syncGroup, virtualAddresses6 } from './render6.ts';
import { uplinkAddresses } from './uplink-options.ts';
import { renderUplinks } from './uplink-render.ts';

export interface HaPaths {
  dir: string;
  keepalivedConf: string;
  keepalivedPid: string;
  vrrpPid: string;
  conntrackdConf: string;
  conntrackdLock: string;
  conntrackdSocket: string;
  notify: string;
  stats: string;
}

export function haPaths(stateDir: string): HaPaths {
  const dir = path.join(stateDir, 'ha');
  return {
    dir,
    keepalivedConf: path.join(dir, 'keepalived.conf'),
    keepalivedPid: path.join(dir, 'keepalived.pid'),
    vrrpPid: path.join(dir, 'vrrp.pid'),
    conntrackdConf: path.join(dir, 'conntrackd.conf'),
    conntrackdLock: path.join(dir, 'conntrackd.lock'),
    conntrackdSocket: path.join(dir, 'conntrackd.ctl'),
    notify: path.join(dir, 'notify.sh'),
    stats: path.join(dir, 'stats.sh'),
  };
}

/** What one node renders from: its own entry, its peer's, and where the daemon's control socket and CLI are. */
export interface NodePlan {
  ha: HaConfig;
  self: HaNode;
  peer: HaNode;
  paths: HaPaths;
  /** The first LAN device (the VRRP instance runs there) and every LAN device. */
  lanDevices: string[];
  /** WAN name → device. */
  wanDevices: Record<string, string>;
  /** argv that runs mwanctl (node and the CLI file, or the installed wrapper). */
  mwanctl: string[];
  controlSocket: string;
}

/** Single-quoted for sh: every path and argument the script names. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One VRRPv3 instance on the first LAN carries every IPv4 virtual address; the other LANs are tracked (their loss is
 * a fault). With IPv6 virtual addresses a second instance (IPv6 adverts, its first address the LAN's link-local
 * gateway) joins it in the pair's sync group (with the uplinks' instances, if any): both families move together; the
 * IPv4 instance runs the notify script for all.
 */
export function renderKeepalived(p: NodePlan): string {
  const { ha, self, paths } = p;
  const [lan, ...otherLans] = p.lanDevices;
  const vips = [
    ...p.lanDevices.flatMap((d) => (ha.lan[d] ? [`    ${ha.lan[d]}/32 dev ${d}`] : [])),
    ...Object.entries(p.wanDevices).flatMap(([name, d]) => (ha.wans[name] ? [`    ${ha.wans[name]}/32 dev ${d}`] : [])),
  ];
  // On the IPv4 instance only: every instance of the sync group changes role with it, so the script runs once.
  const notifies = ['master', 'backup', 'fault'].map((role) => `  notify_${role} "${paths.notify} ${role}"`);
  const vips6 = virtualAddresses6(p);
  const instance = (name: string, addresses: string[], tail: string[]) => [
    `vrrp_instance ${name} {`,
    '  state BACKUP',
    `  interface ${lan}`,
    `  virtual_router_id ${ha.virtualRouterId}`,
    `  priority ${self.priority}`,
    `  advert_int ${ha.advertInterval}`,
    ...(ha.nopreempt ? ['  nopreempt'] : []),
    ...(otherLans.length ? ['  track_interface {', ...otherLans.map((d) => `    ${d}`), '  }'] : []),
    '  virtual_ipaddress {',
    ...addresses,
    '  }',
    ...tail,
    '}',
  ];
  return [
    `# Written by mwan's ha plugin for node ${self.name}; rewritten on every start.`,
    'global_defs {',
    `  router_id ${self.name}`,
    '  vrrp_version 3',
    '  script_user root',
    '  enable_script_security',
    '  vrrp_garp_master_delay 1',
    '  vrrp_garp_master_repeat 3',
    '}',
    ...instance('mwan', vips, notifies),
    ...(vips6.length ? instance('mwan6', vips6, []) : []),
    // One sync group holds every instance (keepalived allows an instance in one group only): uplinks' and IPv6's.
    ...(Object.keys(ha.uplinks ?? {}).length
      ? renderUplinks(p, vips6.length ? ['mwan6'] : [])
      : vips6.length
        ? syncGroup(['mwan', 'mwan6'])
        : []),
    '',
  ].join('\n');
}

/** FTFW over UDP on the sync link; connections to or from the routers themselves are not synced. */
export function renderConntrackd(p: NodePlan): string {
  const { ha, self, peer, paths } = p;
  const ignored = [
    '127.0.0.1',
    self.syncAddress,
    peer.syncAddress,
    ...Object.values(ha.lan),
    ...Object.values(ha.wans),
    ...Object.values(uplinkAddresses(ha)),
  ];
  return [
    `# Written by mwan's ha plugin for node ${self.name}; rewritten on every start.`,
    'Sync {',
    '  Mode FTFW {',
    '    StartupResync on',
    '  }',
    '  UDP {',
    `    IPv4_address ${self.syncAddress}`,
    `    IPv4_Destination_Address ${peer.syncAddress}`,
    `    Port ${ha.syncPort}`,
    `    Interface ${ha.syncDevice}`,
    '    SndSocketBuffer 1249280',
    '    RcvSocketBuffer 1249280',
    '    Checksum on',
    '  }',
    '}',
    'General {',
    '  HashSize 32768',
    '  HashLimit 131072',
    '  LogFile off',
    '  Syslog off',
    `  LockFile ${paths.conntrackdLock}`,
    `  UNIX { Path ${paths.conntrackdSocket} }`,
    '  NetlinkBufferSize 2097152',
    '  NetlinkBufferSizeMaxGrowth 8388608',
    '  Filter From Userspace {',
    '    Protocol Accept { TCP UDP }',
    '    Address Ignore {',
    ...ignored.map((a) => `      IPv4_address ${a}`),
    ...ignoredAddresses6(p),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * keepalived runs it with the new role. The conntrackd steps come first (they do not wait for Node to start); then
 * `mwanctl ha <role>` tells the daemon, which publishes `ha.role`.
 */
export function renderNotify(p: NodePlan): string {
  const ctd = `${shellQuote(p.ha.conntrackd)} -C ${shellQuote(p.paths.conntrackdConf)}`;
  return [
    '#!/bin/sh',
    'at=$(date +%s%N)',
    `# Written by mwan's ha plugin for node ${p.self.name}: keepalived runs it on every change of role.`,
    'case "$1" in',
    // Commit the peer's connections to the kernel, drop the stale internal cache, resync it, send it all to the peer.
    `  master) ${ctd} -c; ${ctd} -f internal; ${ctd} -R; ${ctd} -B ;;`,
    // Ask the new master for its whole state.
    `  backup) ${ctd} -n ;;`,
    '  fault) ;;',
    '  *) echo "usage: $0 master|backup|fault" >&2; exit 2 ;;',
    'esac',
    `exec ${p.mwanctl.map(shellQuote).join(' ')} ha "$1" --at "$at" --socket ${shellQuote(p.controlSocket)}`,
    '',
  ].join('\n');
}
