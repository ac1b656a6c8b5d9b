import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLab } from '../kit/lab/with-lab.ts';
import { nodeArgv } from '../kit/lab/traffic.ts';
await withLab({ wans: 1 }, async (lab) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-prof-'));
  try {
    const r = await lab.exec(lab.ns.inet, nodeArgv(path.resolve('test/bench/reconcile-worker.ts'), ['64', '21', dir, 'realistic', '3', '2'], ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']), { timeout: 600000 });
    console.log(r.stdout.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
