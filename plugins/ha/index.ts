// Built-in plugin: an HA pair — supervised keepalived (VRRPv3, the virtual addresses) and conntrackd (FTFW state sync), SNAT to the WAN virtual addresses.
import os from 'node:os';
import { NO_OPTIONS, type MwanPlugin, type PluginContext, type Supervised } from '../../plugin-api/index.ts';
import { haConfiguration } from './options.ts';
import { configHashes } from './config-hash.ts';
import { PeerChannel } from './peer-channel.ts';
import { UpnpRelay } from './peer-upnp.ts';
import { haPaths, renderConntrackd, renderKeepalived, renderNotify, type NodePlan } from './render.ts';
import { HaRole } from './role.ts';
import { haSnat6Rules } from './snat6.ts';
import { conntrackdSpec, keepalivedSpec } from './specs.ts';
import { Uplinks } from './uplink.ts';
import { uplinkAddresses } from './uplink-options.ts';

export { haConfiguration, haSchema, type HaConfig } from './options.ts';

/** Before the snat plugin's masquerade (priority 100): the first NAT statement a connection meets is its binding. */
export const HA_SRCNAT = 95;

export interface HaDeps {
  /** This machine's host name (tests; default os.hostname()). */
  hostName?: () => string;
  /** argv that runs mwanctl from keepalived's notify script (default: this process's node and CLI file). */
  mwanctl?: string[];
}

/** The node whose name is the host name, and its peer; an error naming ha.nodes when neither is. */
export function whoAmI(ctx: PluginContext, hostName: string): Pick<NodePlan, 'self' | 'peer'> {
  const nodes = ctx.config.ha?.nodes ?? [];
  const i = nodes.findIndex((n) => n.name === hostName);
  if (i < 0)
    throw new Error(
      `ha.nodes: this host is named "${hostName}", which is neither ${nodes.map((n) => `"${n.name}"`).join(' nor ')}`,
    );
  return { self: nodes[i], peer: nodes[1 - i] };
}

export function createHa(deps: HaDeps = {}): MwanPlugin {
  let role: HaRole | undefined;
  let channel: PeerChannel | undefined;
  let uplinks: Uplinks | undefined;
  const report = async () => {
    const r = await role?.report();
    if (!r) return r;
    return {
      ...r,
      ...(channel ? { peerLink: channel.view.report() } : {}),
      ...(uplinks ? { uplinks: uplinks.report() } : {}),
    };
  };

  async function setup(ctx: PluginContext) {
    const ha = ctx.config.ha;
    if (!ha) return undefined;
    const { supervise, files } = ctx.system;
    if (!supervise) throw new Error('the system boundary offers no process supervisor (system.supervise)');
    if (!files) throw new Error('the system boundary offers no file service (system.files)');
    const { self, peer } = whoAmI(ctx, (deps.hostName ?? os.hostname)());
    const plan: NodePlan = {
      ha,
      self,
      peer,
      paths: haPaths(ctx.config.stateDir),
      lanDevices: ctx.config.lan.map((l) => l.device),
      wanDevices: Object.fromEntries(ctx.config.wans.map((w) => [w.name, w.device])),
      mwanctl: deps.mwanctl ?? [process.execPath, process.argv[1] ?? 'mwanctl'],
      controlSocket: ctx.config.control.socket,
    };
    await files.mkdir(plan.paths.dir, 0o700);
    const current = new HaRole(ctx, self.name, peer.name, plan.paths.stats);
    role = current;
    const log = ctx.log;
    const handles: Supervised[] = [];
    const start = (spec: ReturnType<typeof conntrackdSpec>) =>
      handles.push(
        supervise(spec, {
          line: (l) => log.debug({ node: self.name }, `${spec.name}: ${l}`),
          exited: (e) => {
            if (e.restartInMs !== null) log.warn({ ...e }, `HA: ${spec.name} ended; restarting in ${e.restartInMs} ms`);
          },
          problem: (m) => log.warn(`HA: ${m}`),
        }),
      );
    // conntrackd first: keepalived's first notify asks it for a resync or a commit.
    start(conntrackdSpec(plan, renderConntrackd(plan)));
    start(keepalivedSpec(plan, renderKeepalived(plan), renderNotify(plan)));
    log.info(
      { node: self.name, peer: peer.name, priority: self.priority },
      `HA: node ${self.name} (priority ${self.priority}), peer ${peer.name}; keepalived and conntrackd started`,
    );
    const off = current.listen();
    // Single-address uplinks: held by the peer until this node is master; their clients run on the master only.
    const devices = plan.wanDevices;
    const ups =
      ha.uplinks && Object.keys(ha.uplinks).length
        ? new Uplinks(
            ctx,
            Object.fromEntries(Object.entries(ha.uplinks).map(([n, u]) => [n, { ...u, device: devices[n] ?? '' }])),
          )
        : undefined;
    uplinks = ups;
    ups?.start();
    const upnp = new UpnpRelay(ctx, peer.name);
    const offUpnp = upnp.listen();
    const link = new PeerChannel(ctx, {
      node: self.name,
      peer: peer.name,
      selfAddress: self.syncAddress,
      peerAddress: peer.syncAddress,
      port: ha.peerPort,
      hashes: configHashes(ctx.config),
      role: () => current.current,
      upnp,
    });
    channel = link;
    link.start();
    return async () => {
      off();
      await ups?.stop();
      if (uplinks === ups) uplinks = undefined;
      offUpnp();
      await link.stop();
      if (channel === link) channel = undefined;
      // keepalived first: on SIGTERM it resigns (priority 0) and removes the virtual addresses; the peer takes over.
      for (const h of handles.reverse()) await h.stop();
      if (role === current) role = undefined;
    };
  }

  return {
    name: 'ha',
    events: ['ha.notify', 'ha.role', 'ha.peer', 'ha.peerUpnp'],
    // Its settings are the top-level `ha` section; `plugins.ha` takes nothing.
    options: NO_OPTIONS,
    configuration: haConfiguration,
    dependencies: ['snat'],
    setupTimeoutMs: 10_000,
    setup,
    contribute(d, world) {
      const ha = world.config.ha;
      if (!ha || world.lans.length === 0) return;
      // A mid-stream packet that reaches the new master before conntrackd's commit must not start a fresh entry.
      d.sysctl('net/netfilter/nf_conntrack_tcp_loose', 0);
      const lanSet = `{ ${world.lans.map((l) => `"${l.device}"`).join(', ')} }`;
      // A single-address uplink's fixed address too; one its client gets is left to the snat plugin's masquerade.
      const to: Record<string, string> = { ...ha.wans, ...uplinkAddresses(ha) };
      const rules = [
        ...haSnat6Rules(world, ha),
        ...world.wans.flatMap((w) =>
          to[w.name] ? [`iifname ${lanSet} oifname "${w.device}" snat ip to ${to[w.name]}`] : [],
        ),
      ];
      d.chain({ name: 'ha_snat', base: { type: 'nat', hook: 'postrouting', priority: HA_SRCNAT }, rules });
    },
    status: report,
  };
}

export default createHa();
