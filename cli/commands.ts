// The mwanctl commands: each talks to the daemon when one runs, and otherwise works once against the kernel.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request, NoDaemonError } from './control/client.ts';
import { removeStaleSocket } from './control/server.ts';
import { acquireLock, LockHeldError, type HeldLock } from './daemon/daemon-lock.ts';
import type { LoadedConfig } from '../config/schema/parse.ts';
import { loadConfig } from './config.ts';
import { runDaemon } from './daemon/daemon.ts';
import type { ApplyPlan } from '../core/system/kernel/adapter.ts';
import { dryRunSystem } from '../core/system/dry-run.ts';
import { realSystem } from '../core/system/real.ts';
import { oneShotSystem } from '../core/system/one-shot.ts';
import { silentLogger } from '../core/log.ts';
import { chooseLogLevel, createLogger } from './logger.ts';
import { SystemKernel } from '../core/system/kernel/system-adapter.ts';
import { ownershipOf } from '../core/system/kernel/adapter.ts';
import { describeError } from '../core/errors.ts';
import { checkFindings } from './check/check-warnings.ts';
import { configJsonSchemaText } from './schema.ts';
import { importBalance } from './import-balance/command.ts';
import { writeConfigFile } from './write-config.ts';
import { controlTarget, recordLastConfig, type ControlTarget } from './last-applied.ts';
import { DEFAULT_OUTPUT, runInit } from './init/command.ts';
import { buildStatus, type StatusReport } from './status/status.ts';
import { readStatusExtras } from './status/status-extras.ts';
import { historyCommand } from './history/command.ts';
import { formatStatus } from './status/status-format.ts';
import { buildEngine, pluginsFor, withPlugins } from './engine-factory.ts';
import { checkPlugins } from '../core/plugin/host.ts';
import { DEVICE_NAME } from '../config/schema/validators.ts';
import { haCommand } from './ha-command.ts';
import { install, uninstall } from './install.ts';
import { formatPlan } from './plan-format.ts';
import { requireNetAdmin } from './privilege.ts';
import { applyOnProbation } from './probation.ts';
import { eventFilter, textLine, type EventLine } from './events/event-lines.ts';
import { bashCompletion } from './completion.ts';
import type { CommandArgs } from './command-args.ts';

export type { CommandArgs };

type Command = (a: CommandArgs) => Promise<number>;

/**
 * Runs the request through the daemon when one answers, `alone` when none is running. With `exclusive` (commands
 * that change the kernel), `alone` runs only while holding the state directory's lock: when a daemon holds it but
 * its socket does not answer, nothing is done. With `lastGood` (status, wan, stop), a broken configuration file is a
 * warning: the daemon is found, and `alone` works, through the last good configuration (cli/last-applied.ts).
 */
async function daemonOr<T>(
  a: CommandArgs,
  req: Parameters<typeof request>[1],
  alone: (loaded: LoadedConfig) => Promise<T>,
  opts: { exclusive?: boolean; lastGood?: boolean } = {},
): Promise<{ data: T | unknown; daemon: boolean; socket: string }> {
  requireNetAdmin();
  const target: ControlTarget = opts.lastGood ? await controlTarget(a.config) : targetOf(await loadConfig(a.config));
  try {
    return { data: await request(target.socket, req, { timeoutMs: 30000 }), daemon: true, socket: target.socket };
  } catch (error) {
    if (!(error instanceof NoDaemonError)) throw error;
  }
  const loaded = target.loaded;
  if (!loaded) throw target.configError ?? new Error('no configuration');
  const socket = loaded.config.control.socket;
  if (!opts.exclusive) return { data: await alone(loaded), daemon: false, socket };
  const lock = lockOrExplain(
    loaded.config.stateDir,
    `mwanctl ${req.cmd === 'reconcile' ? 'apply' : req.cmd}`,
    () =>
      `its control socket ${loaded.config.control.socket} does not answer; not changing the kernel beside it (check the daemon, or wait for that command to finish)`,
  );
  try {
    return { data: await alone(loaded), daemon: false, socket };
  } finally {
    lock.release();
  }
}

const targetOf = (loaded: LoadedConfig): ControlTarget => ({
  socket: loaded.config.control.socket,
  stateDir: loaded.config.stateDir,
  loaded,
});

/** Takes the state directory's lock, or throws naming who holds it, followed by `then()`. */
function lockOrExplain(stateDir: string, role: string, then: () => string): HeldLock {
  try {
    return acquireLock(stateDir, role);
  } catch (error) {
    if (error instanceof LockHeldError) throw new Error(`lock held: ${error.message}; ${then()}`, { cause: error });
    throw error;
  }
}

const daemon: Command = async (a) => {
  requireNetAdmin();
  const log = createLogger();
  // SIGHUP's default action ends the process: until the daemon can reload, one only says the config just loaded is current.
  let onHup = () => {
    log.info('SIGHUP while starting: the configuration being loaded is current');
  };
  process.on('SIGHUP', () => onHup());
  const loaded = await loadConfig(a.config);
  log.level = chooseLogLevel(a.logLevel, process.env.MWAN_LOG_LEVEL, loaded.config.log.level);
  // Held for the daemon's whole life; the kernel releases it when the process ends, however it ends.
  const lock = lockOrExplain(
    loaded.config.stateDir,
    'mwanctl daemon',
    () => 'another mwan daemon runs for this state directory; this one changes nothing and exits',
  );
  try {
    // Before anything changes: a socket path holding a file, directory or link (or a live socket) is refused here.
    await removeStaleSocket(loaded.config.control.socket);
    const system = realSystem();
    const engine = await buildEngine(a.config, log, system, loaded);
    engine.emit('config.loaded', { source: loaded.source, wans: loaded.config.wans.map((w) => w.name) });
    const warn = (m: string) => log.warn(m);
    const handle = await runDaemon(
      engine,
      log,
      async () => {
        const reloaded = await loadConfig(a.config);
        const next = await buildEngine(a.config, log, realSystem(undefined, system.notifier), reloaded);
        await recordLastConfig(reloaded, warn);
        return next;
      },
      undefined,
      system.notifier,
    );
    await recordLastConfig(loaded, warn);
    for (const sig of ['SIGTERM', 'SIGINT'] as const)
      process.once(sig, () => {
        handle.shutdown(false).catch((err: unknown) => log.error({ err }, 'shutdown failed'));
      });
    onHup = () => {
      log.info('SIGHUP: reloading the configuration');
      void handle.reload('SIGHUP');
    };
    await handle.stopped;
  } finally {
    lock.release();
  }
  return 0;
};

const status: Command = async (a) => {
  const { data } = await daemonOr(
    a,
    { cmd: 'status' },
    async (loaded) => {
      const engine = await buildEngine(a.config, silentLogger(), undefined, loaded);
      await engine.observe();
      return buildStatus(engine, false, await readStatusExtras(engine.config.stateDir));
    },
    { lastGood: true },
  );
  process.stdout.write(
    a.json
      ? `${JSON.stringify(data, null, 2)}\n`
      : `${formatStatus(data as StatusReport, Date.now(), { verbose: a.verbose })}\n`,
  );
  return 0;
};

const plan: Command = async (a) => {
  const { data } = await daemonOr(a, { cmd: 'plan' }, async (loaded) => {
    const engine = await buildEngine(a.config, silentLogger(), dryRunSystem(), loaded);
    return withPlugins(engine, () => engine.plan());
  });
  process.stdout.write(formatPlan(data as ApplyPlan));
  return 0;
};

const apply: Command = async (a) => {
  const confirmSeconds = a.confirm === undefined ? undefined : Number(a.confirm);
  if (
    confirmSeconds !== undefined &&
    !(Number.isInteger(confirmSeconds) && confirmSeconds >= 1 && confirmSeconds <= 3600)
  ) {
    process.stderr.write('mwanctl: --confirm takes a number of seconds (1-3600)\n');
    return 2;
  }
  const { data, daemon: viaDaemon } = await daemonOr(
    a,
    { cmd: 'reconcile', reason: 'mwanctl apply', confirmSeconds },
    async (loaded) => {
      const engine = await buildEngine(a.config, createLogger('warn', false), oneShotSystem(realSystem()), loaded);
      if (confirmSeconds) await removeStaleSocket(loaded.config.control.socket); // probation serves it after applying
      return withPlugins(engine, async () => {
        if (confirmSeconds) {
          const kept = await applyOnProbation(engine, confirmSeconds, (r) => {
            if (a.print) process.stdout.write(printed(r));
          });
          if (!kept.rolledBack) await recordLastConfig(loaded);
          return kept;
        }
        await engine.observe();
        const result = await engine.apply('mwanctl apply');
        await recordLastConfig(loaded);
        return { changed: result.changed, plan: result.plan };
      });
    },
    { exclusive: true },
  );
  const result = data as { changed: boolean; plan?: ApplyPlan; rolledBack?: boolean };
  if (a.print && (viaDaemon || !confirmSeconds)) process.stdout.write(printed(result));
  if (confirmSeconds && viaDaemon)
    process.stderr.write(`applied; run \`mwanctl confirm\` within ${confirmSeconds} s or it is rolled back\n`);
  if (result.rolledBack) {
    process.stderr.write('not confirmed in time: rolled back to the previous state\n');
    return 1;
  }
  return 0;
};

const printed = (r: { changed: boolean; plan?: ApplyPlan }) =>
  r.changed && r.plan ? formatPlan(r.plan) : formatPlan({ nft: '', ip: [], sysctl: [] });

const confirm: Command = async (a) => {
  requireNetAdmin();
  await request((await loadConfig(a.config)).config.control.socket, { cmd: 'confirm' }, { timeoutMs: 10000 });
  process.stdout.write('confirmed: the new state stays\n');
  return 0;
};

const stop: Command = async (a) => {
  const { daemon: viaDaemon, socket } = await daemonOr(
    a,
    { cmd: 'stop' },
    async (loaded) => (await buildEngine(a.config, silentLogger(), undefined, loaded)).removeKernelState(),
    { exclusive: true, lastGood: true },
  );
  if (viaDaemon) {
    for (let i = 0; i < 100; i++) {
      try {
        await request(socket, { cmd: 'status' }, { timeoutMs: 500 });
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  process.stdout.write('mwan state removed\n');
  return 0;
};

const wan: Command = async (a) => {
  const [action, name] = a.args;
  if ((action !== 'up' && action !== 'down') || !name) {
    process.stderr.write('usage: mwanctl wan down|up NAME\n');
    return 2;
  }
  const enabled = action === 'up';
  await daemonOr(
    a,
    { cmd: 'wan', name, enabled },
    async (loaded) => {
      const engine = await buildEngine(a.config, createLogger('warn', false), oneShotSystem(realSystem()), loaded);
      await engine.setEnabled(name, enabled);
      await withPlugins(engine, async () => {
        await engine.observe();
        await engine.apply(`wan ${name} ${action} by administrator`);
      });
    },
    { exclusive: true, lastGood: true },
  );
  process.stdout.write(`${name} ${enabled ? 'back in service' : 'taken out of service'}\n`);
  return 0;
};

const events: Command = async (a) => {
  requireNetAdmin();
  const wanted = eventFilter(a.type);
  await request(
    (await controlTarget(a.config)).socket,
    { cmd: 'events' },
    {
      onLine: (line) => {
        const event = line as EventLine;
        if (!wanted(String(event.event))) return;
        process.stdout.write(a.text ? `${textLine(event)}\n` : `${JSON.stringify(line)}\n`);
      },
    },
  );
  return 0;
};

const check: Command = async (a) => {
  const loaded = await loadConfig(a.config);
  // What building the daemon's engine checks: plugin keys and options, dependencies, the plugins' checks (NFQUEUE strategy names).
  checkPlugins(await pluginsFor(loaded), loaded.config);
  const { warnings, errors } = checkFindings(loaded.config, await linkNames(loaded));
  for (const e of errors) process.stderr.write(`mwanctl: error: ${e}\n`);
  if (errors.length) return 2;
  for (const w of warnings) process.stderr.write(`mwanctl: warning: ${w}\n`);
  process.stdout.write(`configuration ${loaded.source} is valid (mode ${loaded.config.mode})\n`);
  for (const w of loaded.config.wans) {
    const ids = loaded.layout.wans.get(w.name)!;
    process.stdout.write(
      `  ${w.name}: device ${w.device}, id ${ids.id}, mark 0x${ids.mark.toString(16)}, table ${ids.table}, rules ${ids.fwmarkPriority}/${ids.fromPriority}\n`,
    );
  }
  for (const [name, q] of loaded.layout.nfqueue.policies) {
    process.stdout.write(
      `  policy ${name}: nfqueue:${q.strategy}, queue ${q.queue}, tag 0x${q.tag.toString(16)}/0x${loaded.layout.nfqueue.tagMask.toString(16)}${q.inUse ? '' : ' (not used by any rule)'}\n`,
    );
  }
  return 0;
};

/** The names of this machine's links, read as the daemon reads them (undefined, with a warning, when that fails). */
async function linkNames(loaded: LoadedConfig): Promise<string[] | undefined> {
  try {
    return (await new SystemKernel().observe(ownershipOf(loaded.layout))).links.map((l) => l.name);
  } catch (error) {
    process.stderr.write(
      `mwanctl: warning: cannot read this machine's links (${describeError(error)}): devices not checked\n`,
    );
    return undefined;
  }
}

/** The phases hooks/mwan passes on (ifupdown's, and the short forms other hook runners use). */
const HOOK_PHASES = ['pre-up', 'post-up', 'pre-down', 'post-down', 'up', 'down'];

/** Never blocks ifup/ifdown: notifies the daemon, or starts a detached one-shot apply when none runs. */
const hook: Command = async (a) => {
  const iface = process.env.IFACE ?? '';
  const phase = process.env.PHASE ?? (process.env.MODE === 'stop' ? 'post-down' : 'post-up');
  // Environment from ifupdown (or whoever runs the hook): only a plain interface name and a known phase go on.
  if (!DEVICE_NAME.test(iface) || !HOOK_PHASES.includes(phase)) return 0;
  const loaded = await loadConfig(a.config);
  const devices = [...loaded.config.wans.map((w) => w.device), ...loaded.config.lan.map((l) => l.device)];
  if (!devices.includes(iface)) return 0;
  try {
    await request(loaded.config.control.socket, { cmd: 'hook', iface, phase }, { timeoutMs: 1000 });
  } catch (error) {
    if (!(error instanceof NoDaemonError)) throw error;
    const launcher = fileURLToPath(new URL('./mwanctl.js', import.meta.url));
    const child = spawn(process.execPath, [launcher, 'apply', ...(a.config ? ['--config', a.config] : [])], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  }
  return 0;
};

const installCmd: Command = async (a) => {
  for (const f of await install({ root: a.root ?? '/', config: a.config })) process.stdout.write(`installed ${f}\n`);
  return 0;
};
const uninstallCmd: Command = async (a) => {
  for (const f of await uninstall({ root: a.root ?? '/', config: a.config })) process.stdout.write(`removed ${f}\n`);
  return 0;
};

const completion: Command = async (a) => {
  if (a.args[0] !== 'bash') {
    process.stderr.write('usage: mwanctl completion bash\n');
    return 2;
  }
  process.stdout.write(bashCompletion());
  return 0;
};

const init: Command = async (a) => {
  const output = a.output ?? DEFAULT_OUTPUT;
  const starter = await runInit(output, a.force ?? false);
  process.stdout.write(
    `wrote ${output}: WANs ${starter.wans.join(', ')}; LANs ${starter.lans.join(', ') || 'none'}\n` +
      `review it, then: mwanctl --config ${output} check && mwanctl --config ${output} plan\n`,
  );
  return 0;
};

const importBalanceCmd: Command = async (a) => {
  const yaml = await importBalance(a.args.filter((f) => f !== undefined));
  if (a.output === undefined) {
    process.stdout.write(yaml);
    return 0;
  }
  await writeConfigFile(a.output, yaml, a.force ?? false);
  process.stdout.write(`wrote ${a.output}: review it, then \`mwanctl check --config ${a.output}\`\n`);
  return 0;
};

const schema: Command = async () => {
  process.stdout.write(configJsonSchemaText());
  return 0;
};

export const commands: Record<string, Command> = {
  daemon,
  status,
  plan,
  apply,
  confirm,
  stop,
  wan,
  events,
  history: historyCommand,
  check,
  hook,
  ha: haCommand,
  install: installCmd,
  uninstall: uninstallCmd,
  completion,
  schema,
  init,
  'import-balance': importBalanceCmd,
};
