// The daemon's control-socket commands: status, plan, apply (reloading the config, optionally on probation), wan, hook, ha, stop, events.
import type { ControlRequest } from '../control/protocol.ts';
import { ConfirmWindow } from './confirm-window.ts';
import type { Engine } from '../../core/engine.ts';
import type { Logger } from '../../core/log.ts';
import { buildStatus } from '../status/status.ts';
import type { StatusExtras } from '../status/status-extras.ts';

export interface DaemonCore {
  engine(): Engine;
  /** Replaces the running engine (plugins torn down and set up, kernel reconciled to the new desired state). */
  swap(next: Engine): Promise<void>;
  /** Builds an engine from the configuration file as it is now (throws on an invalid file: nothing changes). */
  reload?: () => Promise<Engine>;
  nudge(): void;
  shutdown(removeState: boolean): Promise<void>;
  /** The history and the last quota figures, for status. */
  statusExtras?: () => StatusExtras;
}

const HA_ROLES: readonly string[] = ['master', 'backup', 'fault'];

type Stream = (line: unknown) => boolean;
type OnClose = (fn: () => void) => void;

export function controlHandler(core: DaemonCore, log: Logger) {
  let lastHook: { iface: string; phase: string; at: string } | null = null;
  const window = new ConfirmWindow();

  /** Applies the configuration file as it is now; with `confirmSeconds`, rolls back unless confirmed in time. */
  const apply = async (reason: string, confirmSeconds?: number) => {
    const old = core.engine();
    // Written again first: when the state file cannot be written (a full disk) the apply is refused before the engine or the kernel changes.
    await old.assertStateWritable();
    const change = async () => {
      const next = core.reload ? await core.reload() : old;
      const configReloaded = JSON.stringify(next.config) !== JSON.stringify(old.config);
      if (configReloaded) await core.swap(next);
      await core.engine().observe();
      return { configReloaded, result: await core.engine().apply(reason) };
    };
    const undo = async () => {
      log.warn({ seconds: confirmSeconds }, 'apply was not confirmed in time: rolling back to the previous state');
      const current = core.engine();
      if (current !== old) {
        if (JSON.stringify(current.layout) !== JSON.stringify(old.layout)) await current.removeKernelState();
        await core.swap(old);
      }
      old.forgetKernelState();
    };
    const { configReloaded, result } = confirmSeconds
      ? (await window.applyOnProbation(old, confirmSeconds, change, undo)).result
      : await change();
    return {
      changed: result.changed,
      configReloaded,
      ms: result.ms,
      plan: result.plan,
      confirmBy: confirmSeconds ? window.pending : null,
    };
  };

  return async (req: ControlRequest, stream: Stream, onClose: OnClose): Promise<unknown> => {
    const engine = core.engine();
    switch (req.cmd) {
      case 'status':
        return {
          ...(await buildStatus(engine, true, core.statusExtras?.())),
          plugins: await engine.pluginStatus(),
          lastHook,
          confirmPending: window.pending,
        };
      case 'plan':
        return engine.plan();
      case 'reconcile':
        return apply(req.reason ?? 'requested by mwanctl', req.confirmSeconds);
      case 'confirm':
        if (!window.confirm()) throw new Error('nothing to confirm: no `apply --confirm` is waiting');
        return { confirmed: true };
      case 'wan': {
        await engine.setEnabled(req.name, req.enabled); // the state file first: a full disk refuses the change here
        await engine.apply(`wan ${req.name} ${req.enabled ? 'up' : 'down'} by administrator`);
        return buildStatus(engine, true, core.statusExtras?.());
      }
      case 'hook':
        lastHook = { iface: req.iface, phase: req.phase, at: new Date().toISOString() };
        engine.emit('hook.ifupdown', { iface: req.iface, phase: req.phase });
        core.nudge();
        return { accepted: true };
      case 'ha':
        if (!HA_ROLES.includes(req.role))
          throw new Error(`ha: expected master, backup or fault, got ${JSON.stringify(req.role)}`);
        engine.emit('ha.notify', { role: req.role, at: typeof req.at === 'number' ? req.at : Date.now() });
        return { accepted: true };
      case 'stop':
        await engine.assertStateWritable(); // a full disk refuses the stop here, not halfway through it
        window.cancel();
        setImmediate(() => {
          core
            .shutdown(true)
            .catch((err: unknown) => log.error({ err }, 'stop failed: removing kernel state did not complete'));
        });
        return { stopping: true };
      case 'events': {
        const off = engine.onEvent((event, payload) => {
          stream({ event, payload, at: new Date().toISOString() });
        });
        await new Promise<void>((r) =>
          onClose(() => {
            off();
            r();
          }),
        );
        return undefined;
      }
      default:
        throw new Error(`unknown command ${(req as { cmd: string }).cmd}`);
    }
  };
}
