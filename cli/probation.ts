// `mwanctl apply --confirm N` without a daemon: apply on probation, then wait on the control socket for `mwanctl confirm`, else roll back.
import { startControlServer } from './control/server.ts';
import { ConfirmWindow } from './daemon/confirm-window.ts';
import type { Engine } from '../core/engine.ts';
import type { ApplyPlan } from '../core/system/kernel/adapter.ts';

export interface ProbationResult {
  changed: boolean;
  plan?: ApplyPlan;
  rolledBack: boolean;
}

export async function applyOnProbation(
  engine: Engine,
  seconds: number,
  onApplied: (r: { changed: boolean; plan?: ApplyPlan }) => void,
): Promise<ProbationResult> {
  await engine.observe();
  const window = new ConfirmWindow();
  const { result, closed } = await window.applyOnProbation(engine, seconds, async () => {
    const applied = await engine.apply('mwanctl apply --confirm');
    onApplied(applied);
    process.stderr.write(`applied; run \`mwanctl confirm\` within ${seconds} s or it is rolled back\n`);
    return applied;
  });
  const server = await startControlServer(engine.config.control.socket, async (req) => {
    if (req.cmd !== 'confirm')
      throw new Error(`only \`confirm\` is served while an apply waits for confirmation (got ${req.cmd})`);
    if (!window.confirm()) throw new Error('nothing to confirm');
    return { confirmed: true };
  });
  try {
    return { changed: result.changed, plan: result.plan, rolledBack: await closed };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
