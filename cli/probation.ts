// `mwanctl apply --confirm N` without a daemon: apply, then wait on the control socket for `mwanctl confirm`, else roll back.
import { startControlServer } from './control/server.ts';
import { ConfirmWindow } from './daemon/confirm-window.ts';
import type { Engine } from '../core/engine.ts';
import type { ApplyPlan } from '../core/system/kernel/adapter.ts';
import { ownershipOf } from '../core/reconcile/reconciler.ts';

export interface ProbationResult { changed: boolean; plan?: ApplyPlan; rolledBack: boolean }

export async function applyOnProbation(engine: Engine, seconds: number, onApplied: (r: { changed: boolean; plan?: ApplyPlan }) => void): Promise<ProbationResult> {
  const own = ownershipOf(engine.layout);
  await engine.observe();
  const keys = [...Object.keys((await engine.store.load()).sysctlOriginals), ...engine.host.collect(engine.world()).sysctls.map((s) => s.key)];
  const saved = await engine.opts.system.kernel.saveState(own, keys);
  const result = await engine.reconcile('mwanctl apply --confirm');
  if (!result) throw new Error(engine.reconciler.last?.error ?? 'reconcile failed');
  onApplied(result);
  process.stderr.write(`applied; run \`mwanctl confirm\` within ${seconds} s or it is rolled back\n`);
  const window = new ConfirmWindow();
  const outcome = new Promise<boolean>((resolve) => {
    void window.arm(seconds, async () => {
      await engine.opts.system.kernel.restoreState(own, saved);
      resolve(true);
    });
  });
  let confirmed!: (v: boolean) => void;
  const confirmation = new Promise<boolean>((r) => { confirmed = r; });
  const server = await startControlServer(engine.config.control.socket, async (req) => {
    if (req.cmd !== 'confirm') throw new Error(`only \`confirm\` is served while an apply waits for confirmation (got ${req.cmd})`);
    if (!window.confirm()) throw new Error('nothing to confirm');
    confirmed(false);
    return { confirmed: true };
  });
  try {
    const rolledBack = await Promise.race([outcome, confirmation]);
    return { changed: result.changed, plan: result.plan, rolledBack };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
