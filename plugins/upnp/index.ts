// Built-in plugin: one supervised miniupnpd that follows the preferred WAN; its mappings are forwarded on every UPnP WAN.
import path from 'node:path';
import {
  describeError,
  pairGate,
  type MwanPlugin,
  type PluginContext,
  type Supervised,
} from '../../plugin-api/index.ts';
import { acceptedKeys, MAX_LEASE_FILE } from './leases.ts';
import { describeMapping, type Mapping } from './mapping.ts';
import { MappingSource } from './mapping-source.ts';
import { classifyLine, planInstance, processSpec, upnpPaths, upnpTable, type InstancePlan } from './miniupnpd.ts';
import { PLUGIN_NAME, parseUpnpOptions, type UpnpOptions } from './options.ts';
import { PeerCopy } from './peer-copy.ts';
import {
  POSTROUTING_CHAIN,
  PREROUTING_CHAIN,
  UPNP_DSTNAT,
  UPNP_SRCNAT,
  mappingDnatRules,
  mappingHairpinRules,
  preferredWan,
  stunRule,
  upnpWans,
} from './rules.ts';
import { mappingRules } from './validate.ts';

export { parseUpnpOptions, upnpOptionsSchema, type UpnpOptions } from './options.ts';
export type { Mapping } from './mapping.ts';

export interface UpnpDeps {
  /** How often miniupnpd's table is read besides lease-file change notifications; default 1000 ms. */
  pollMs?: number;
  /** Unix time in seconds (tests). */
  now?: () => number;
}

/** Longest a start may take before the table is read again anyway (STUN alone may take 9 s). */
const STARTUP_LIMIT_MS = 15_000;

interface Live {
  options: UpnpOptions;
  mappings: Mapping[];
}

/** A fresh plugin instance (the registered one is `createUpnp()`). */
export function createUpnp(deps: UpnpDeps = {}): MwanPlugin {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  let live: Live | undefined;

  async function setup(ctx: PluginContext<UpnpOptions>) {
    const options = ctx.options;
    if (!options.enabled) return undefined;
    const { supervise, listNftTable, files } = ctx.system;
    if (!supervise) throw new Error('the system boundary offers no process supervisor (system.supervise)');
    if (!listNftTable) throw new Error('the system boundary offers no nft table reader (system.listNftTable)');
    if (!files) throw new Error('the system boundary offers no file service (system.files)');
    const paths = upnpPaths(ctx.config.stateDir);
    const log = ctx.log;
    const state: Live = { options, mappings: [] };
    live = state;
    // The mappings come from miniupnpd's nft table (structured, written by miniupnpd alone), never from lease-file text:
    // a client chooses the description, newlines included. The lease file only triggers a read.
    const source = new MappingSource({
      listNftTable,
      files,
      table: upnpTable(ctx.world()),
      paths,
      rules: () => mappingRules(ctx.world(), options),
      log,
      now,
    });
    // In an HA pair miniupnpd runs on the master only; the other node forwards the master's leases (warm, see PeerCopy).
    const gate = pairGate(ctx.config, ctx.bus, PLUGIN_NAME);
    const pair = Boolean(ctx.config.ha);
    const copy = new PeerCopy({ files, paths, rules: () => mappingRules(ctx.world(), options), log, now });
    let running: { key: string; plan: InstancePlan; handle: Supervised } | undefined;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;
    // miniupnpd starts with an empty table and, once it listens, re-creates the mappings of the lease file mwan gave it
    // one by one: until the table holds them all (or STARTUP_LIMIT_MS passed), it is not taken as the truth, so the
    // mappings keep being forwarded without a gap. `starting`: not listening yet; `restoring`: re-creating `expected`.
    let phase: 'starting' | 'restoring' | 'running' = 'running';
    const phaseNow = () => phase;
    let expected = new Set<string>();
    // The running instance has restored its leases: only then does its table say what it should get back next start.
    let ready = false;
    let thawTimer: NodeJS.Timeout | undefined;
    const freeze = () => {
      phase = 'starting';
      ready = false;
      clearTimeout(thawTimer);
      thawTimer = setTimeout(() => {
        ready = phase === 'restoring';
        thaw();
      }, STARTUP_LIMIT_MS);
    };
    const thaw = () => {
      clearTimeout(thawTimer);
      if (phase === 'running') return;
      phase = 'running';
      void refresh();
    };
    const listening = async () => {
      if (phase !== 'starting') return;
      expected = acceptedKeys(await files.readTextPrefix(paths.accepted, MAX_LEASE_FILE).catch(() => ''), now());
      if (phase !== 'starting') return;
      phase = 'restoring';
      void refresh();
    };
    let saveFailed = false;

    /** A changed set of mappings is logged and reconciled into mwan's table. */
    const take = (mappings: Mapping[], from: string): void => {
      if (JSON.stringify(mappings) === JSON.stringify(state.mappings)) return;
      state.mappings = mappings;
      log.info(
        { wan: running?.plan.wan.name ?? null, mappings: mappings.length, list: mappings.map(describeMapping), from },
        `UPnP: ${mappings.length} mapping${mappings.length === 1 ? '' : 's'}${from === 'miniupnpd' ? '' : ` (${from})`}, forwarded on ${options.wans.join(', ')}`,
      );
      ctx.requestReconcile(`${mappings.length} UPnP mapping(s)`);
    };

    /** Reads and checks the table (or, on an HA node without miniupnpd, the master's leases). */
    const readMappings = async (): Promise<void> => {
      if (pair && !running) return take(copy.mappings(), "the HA master's leases");
      if (phase === 'starting') return;
      const read = await source.read();
      const after = phaseNow(); // it may have changed while the table was read
      if (!read || after === 'starting' || closed) return;
      if (after === 'restoring') {
        if ([...expected].some((k) => !read.listed.has(k))) return;
        clearTimeout(thawTimer);
        phase = 'running';
        ready = true;
      }
      if (ready) {
        try {
          const leases = await source.saveAccepted(read.mappings);
          if (leases) ctx.bus.emit('upnp.leases', { leases });
          saveFailed = false;
        } catch (error) {
          if (!saveFailed)
            log.warn(
              { err: error, file: paths.accepted },
              `UPnP: cannot write ${paths.accepted}: ${describeError(error)}`,
            );
          saveFailed = true;
        }
      }
      take(read.mappings, 'miniupnpd');
    };
    // One read at a time, in order: a slow older read must not overwrite what a newer one found.
    let reading: Promise<void> = Promise.resolve();
    const refresh = (): Promise<void> => (reading = reading.then(readMappings, readMappings));

    /** Starts the instance on the preferred WAN, or restarts it when what it should run differs from what runs. */
    const follow = async (): Promise<void> => {
      if (!gate.speaks()) return standBy();
      if (pair && !running) await copy.prune(); // the master's last leases, ended ones dropped: what miniupnpd restores
      const world = ctx.world();
      const wan = preferredWan(world, options.wans) ?? running?.plan.wan ?? upnpWans(world, options.wans)[0];
      if (closed || !wan) return;
      const plan = planInstance(world, options, wan, paths);
      const spec = processSpec(plan);
      const key = JSON.stringify(spec);
      if (running?.key === key) return;
      const previous = running;
      if (previous) await refresh(); // the latest accepted leases, for the next start
      running = undefined;
      freeze();
      await previous?.handle.stop();
      if (closed) return;
      const handle = supervise(spec, {
        started: freeze,
        line: (l) => {
          const { level, text, ready } = classifyLine(l);
          log[level]({ wan: wan.name }, `miniupnpd: ${text}`);
          if (ready) void listening();
        },
        exited: (e) => {
          // Stopped on purpose (a restart elsewhere, teardown): the next instance's start decides what is read.
          if (e.restartInMs === null) return;
          ready = false;
          thaw();
          log.warn({ wan: wan.name, ...e }, `UPnP: miniupnpd ended; restarting in ${e.restartInMs} ms`);
        },
        problem: (m) => log.warn({ wan: wan.name }, `UPnP: ${m}`),
      });
      running = { key, plan, handle };
      log.info(
        { wan: wan.name, device: wan.device, from: previous?.plan.wan.name ?? null, mappings: state.mappings.length },
        `UPnP: miniupnpd serves ${wan.name} (${wan.device})${previous && previous.plan.wan.name !== wan.name ? `, was ${previous.plan.wan.name}` : ''}`,
      );
    };
    /** Not the master of an HA pair: no miniupnpd; the mappings it held stay forwarded until the master's copy arrives. */
    const standBy = async (): Promise<void> => {
      const previous = running;
      if (!previous) return;
      await refresh(); // the latest accepted leases: the copy this node keeps
      running = undefined;
      phase = 'running';
      clearTimeout(thawTimer);
      await previous.handle.stop();
      await copy.load();
      source.forgetWritten();
      log.info({ wan: previous.plan.wan.name }, 'UPnP: miniupnpd stopped: this node is not the HA master');
      await refresh();
    };
    const sync = () => {
      queue = queue.then(follow).catch((error) => log.error({ err: error }, `UPnP: ${describeError(error)}`));
    };

    await files.mkdir(paths.dir, 0o700);
    await source.ensureAccepted();
    if (pair) await copy.load();
    await refresh();
    let unwatch: (() => void) | undefined;
    try {
      unwatch = files.watchDir(paths.dir, (file) => {
        if (file === path.basename(paths.leases)) void refresh();
      });
    } catch (error) {
      log.warn({ err: error }, 'UPnP: cannot watch the lease file; reading the table every second instead');
    }
    const poll = setInterval(() => {
      void refresh();
    }, deps.pollMs ?? 1000);
    const offDone = ctx.bus.on('reconcile.done', sync, PLUGIN_NAME);
    const offRole = ctx.bus.on('ha.role', sync, PLUGIN_NAME);
    const offPeer = ctx.bus.on(
      'ha.peerUpnp',
      ({ peer, leases }) => {
        queue = queue
          .then(async () => {
            if (running || closed) return; // a master keeps what its own miniupnpd holds
            await copy.received(peer, leases);
            source.forgetWritten();
            await refresh();
          })
          .catch((error) => log.error({ err: error }, `UPnP: ${describeError(error)}`));
      },
      PLUGIN_NAME,
    );

    return async () => {
      closed = true;
      clearTimeout(thawTimer);
      offDone();
      offRole();
      offPeer();
      gate.off();
      clearInterval(poll);
      unwatch?.();
      await queue;
      await running?.handle.stop();
      running = undefined;
      if (live === state) live = undefined;
    };
  }

  return {
    name: PLUGIN_NAME,
    events: ['upnp.leases'],
    options: { parse: parseUpnpOptions },
    // Replies leave by the WAN the request came in on because the marker marks inbound connections with their WAN.
    dependencies: ['marker'],
    setup,
    contribute(d, world) {
      if (!live) return;
      const { options, mappings } = live;
      const wans = upnpWans(world, options.wans);
      const lans = world.lans.map((l) => l.device);
      const dnat = mappingDnatRules(mappings, wans, lans);
      if (dnat.length)
        d.chain({
          name: PREROUTING_CHAIN,
          base: { type: 'nat', hook: 'prerouting', priority: UPNP_DSTNAT },
          rules: dnat,
        });
      const hairpin = mappingHairpinRules(mappings, wans, lans);
      if (hairpin.length)
        d.chain({
          name: POSTROUTING_CHAIN,
          base: { type: 'nat', hook: 'postrouting', priority: UPNP_SRCNAT },
          rules: hairpin,
        });
      const stun = stunRule(options, world, preferredWan(world, options.wans));
      if (stun) d.rule(stun);
    },
  };
}

export default createUpnp();
