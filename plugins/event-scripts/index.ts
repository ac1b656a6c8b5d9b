// Built-in plugin: runs every executable in a directory on each WAN change and HA role change (mwan3.user style), never blocking the daemon.
import path from 'node:path';
import {
  describeError,
  type FileService,
  type Logger,
  type MwanEvents,
  type MwanPlugin,
  pairGate,
  type PluginContext,
  type WanChange,
  type WanView,
} from '../../plugin-api/index.ts';
import { parseEventScriptsOptions, PLUGIN_NAME, type EventScriptsOptions } from './options.ts';
import { roleEnv } from './role.ts';
import { ScriptQueues } from './queue.ts';

export {
  parseEventScriptsOptions,
  eventScriptsOptionsSchema,
  DEFAULT_DIR,
  type EventScriptsOptions,
} from './options.ts';

/** The bus events that run scripts, and the ACTION each one gets (mwan3.user's names, plus degraded and long_down). */
export const ACTIONS = {
  'link.up': 'ifup',
  'link.down': 'ifdown',
  'wan.online': 'connected',
  'wan.offline': 'disconnected',
  'wan.degraded': 'degraded',
  'wan.longdown': 'long_down',
  'wan.quota': 'quota',
} as const;

export type ScriptEvent = keyof typeof ACTIONS;
export type Action = (typeof ACTIONS)[ScriptEvent];

/** How long teardown lets running scripts finish before killing them. */
export const TEARDOWN_GRACE_MS = 2000;

const figure = (n: number | null | undefined) =>
  n == null || !Number.isFinite(n) ? '' : String(Math.round(n * 10) / 10);

type QuotaEvent = MwanEvents['wan.quota'];

/** A quota change as a script sees it: REASON in words, and QUOTA_* with the figures. */
function quotaEnv(q: QuotaEvent): { reason: string; extra: Record<string, string> } {
  const reason =
    q.state === 'exhausted'
      ? 'data quota used up'
      : q.threshold
        ? `${q.threshold}% of the data quota used`
        : 'data quota available again';
  return {
    reason,
    extra: {
      QUOTA_STATE: q.state,
      QUOTA_THRESHOLD: String(q.threshold ?? ''),
      QUOTA_PERCENT: String(q.percent),
      QUOTA_USED_BYTES: String(q.usedBytes),
      QUOTA_LIMIT_BYTES: String(q.limitBytes),
    },
  };
}

/** The events about one family of a WAN (its IPv4 or IPv6 side), whose runs get MWAN_FAMILY. */
const FAMILY_EVENTS = new Set<ScriptEvent>(['wan.online', 'wan.offline', 'wan.degraded', 'wan.longdown']);

/** The documented environment of one run. Unknown figures are empty strings; DOWN_FOR_S is whole seconds. */
export function scriptEnv(
  event: ScriptEvent,
  wan: string,
  view: Pick<WanView, 'device' | 'gateway' | 'ipv6'> | undefined,
  change: Partial<WanChange> = {},
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    ACTION: ACTIONS[event],
    EVENT: event,
    WAN: wan,
    INTERFACE: wan,
    DEVICE: view?.device ?? '',
    GATEWAY: (change.family === 'ipv6' ? view?.ipv6?.gateway : view?.gateway) ?? '',
    RTT_MS: figure(change.rttMs),
    LOSS_PCT: figure(change.lossPct),
    REASON: change.reason ?? '',
    DOWN_FOR_S: change.downForMs == null ? '' : String(Math.round(change.downForMs / 1000)),
    // The family a WAN event is about (ipv4 or ipv6); empty for link and quota events, which are about the device.
    MWAN_FAMILY: FAMILY_EVENTS.has(event) ? (change.family ?? 'ipv4') : '',
  };
}

/**
 * The scripts to run, sorted by name: executable regular files, dotfiles skipped. When running as root, a
 * directory or file that someone other than root could have written is refused (logged once per reason).
 */
export async function listScripts(
  files: FileService,
  dir: string,
  log: Logger,
  uid?: number,
  warned = new Set<string>(),
): Promise<string[]> {
  const refused = (what: string, error: unknown) => {
    const message = describeError(error);
    if (!warned.has(message)) log.warn({ plugin: PLUGIN_NAME, file: what }, `event script refused: ${message}`);
    warned.add(message);
  };
  const unreadable = (error: unknown) =>
    log.warn({ plugin: PLUGIN_NAME, dir, err: describeError(error) }, 'cannot read the event scripts directory');
  return files.trustedExecutables(dir, { what: 'event script', uid, refused, unreadable });
}

export interface EventScriptsPlugin extends MwanPlugin<EventScriptsOptions> {
  /** Resolves when every queued and running script has finished (for tests and shutdown). */
  idle(): Promise<void>;
}

/** A fresh plugin instance; `uid` stands in for the daemon's uid in the root-only safety checks (tests). */
export function createEventScripts(deps: { uid?: number; teardownGraceMs?: number } = {}): EventScriptsPlugin {
  let queues: ScriptQueues | undefined;
  let offs: (() => void)[] = [];
  let ordered: Promise<void> = Promise.resolve();

  function subscribe(ctx: PluginContext, files: FileService, dir: string): void {
    const warned = new Set<string>();
    // Listing is asynchronous: chain it so runs are queued in the order the events came.
    const runAll = (env: Record<string, string>) => {
      ordered = ordered
        .then(async () => {
          for (const file of await listScripts(files, dir, ctx.log, deps.uid, warned)) queues?.enqueue(file, env);
        })
        .catch((error) =>
          ctx.log.error({ plugin: PLUGIN_NAME, err: describeError(error) }, 'cannot queue event scripts'),
        );
    };
    // In an HA pair both routers see the WANs; only the master runs the scripts about them.
    const gate = pairGate(ctx.config, ctx.bus, PLUGIN_NAME);
    offs.push(gate.off);
    const wanOf = (
      _event: ScriptEvent,
      payload: { device: string } | WanChange | QuotaEvent,
    ): { wan: string; view?: WanView } | undefined => {
      const wans = ctx.world().wans;
      if ('wan' in payload) return { wan: payload.wan, view: wans.find((w) => w.name === payload.wan) };
      const view = wans.find((w) => w.device === payload.device);
      return view ? { wan: view.name, view } : undefined;
    };
    for (const event of Object.keys(ACTIONS) as ScriptEvent[]) {
      offs.push(
        ctx.bus.on(
          event,
          (payload: { device: string } | WanChange | QuotaEvent) => {
            if ('threshold' in payload && payload.threshold === null) return; // the periodic use figure, not a change
            if (!gate.speaks()) return;
            const target = wanOf(event, payload);
            if (!target) return; // a link event of a device that is not a WAN
            const quota = 'threshold' in payload ? quotaEnv(payload) : undefined;
            const change = quota
              ? { reason: quota.reason }
              : 'wan' in payload
                ? (payload as WanChange)
                : { reason: event === 'link.up' ? 'link up' : 'link down' };
            runAll(scriptEnv(event, target.wan, target.view, change, quota?.extra));
          },
          PLUGIN_NAME,
        ),
      );
    }
    // Every node runs the scripts for its own role changes (not gated: the backup's role is news too).
    offs.push(ctx.bus.on('ha.role', (r) => runAll(roleEnv(r)), PLUGIN_NAME));
  }

  return {
    name: PLUGIN_NAME,
    options: { parse: parseEventScriptsOptions },
    setup(ctx) {
      const options = ctx.options;
      if (!options.enabled) return;
      const files = ctx.system.files;
      if (!files) throw new Error('the system boundary offers no file service (system.files)');
      queues = new ScriptQueues(ctx.system.runScript, options.timeoutMs, options.maxQueued, {
        finished(file, env, r) {
          const fields = {
            plugin: PLUGIN_NAME,
            script: file,
            action: env.ACTION,
            wan: env.WAN,
            exitCode: r.exitCode,
            signal: r.signal,
            timedOut: r.timedOut,
            ms: r.ms,
          };
          if (r.exitCode === 0) ctx.log.debug(fields, `event script ${path.basename(file)} done`);
          else if (r.timedOut)
            ctx.log.warn(
              { ...fields, stderr: r.stderr },
              `event script ${path.basename(file)} killed after ${options.timeoutMs} ms`,
            );
          else
            ctx.log.warn(
              { ...fields, stderr: r.stderr },
              `event script ${path.basename(file)} failed (${r.signal ?? `exit ${r.exitCode ?? 'without starting'}`})`,
            );
        },
        dropped(file, env, why) {
          ctx.log.warn(
            { plugin: PLUGIN_NAME, script: file, action: env.ACTION, wan: env.WAN },
            why === 'full'
              ? `event script ${path.basename(file)} has ${options.maxQueued} runs waiting; dropped the oldest`
              : `event script ${path.basename(file)}: run dropped at shutdown`,
          );
        },
      });
      subscribe(ctx, files, options.dir);
      ctx.log.debug({ plugin: PLUGIN_NAME, dir: options.dir }, 'event scripts ready');
    },
    async idle() {
      await ordered;
      await queues?.idle();
    },
    async teardown() {
      for (const off of offs) off();
      offs = [];
      await ordered;
      await queues?.close(deps.teardownGraceMs ?? TEARDOWN_GRACE_MS);
      queues = undefined;
    },
  };
}

export default createEventScripts();
