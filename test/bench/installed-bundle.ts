// The cost benches measure the daemon as installed: they refuse a stale CLI bundle, which the launcher would run as TypeScript through tsx.
import { execa } from 'execa';
import { MWANCTL } from '../kit/lab/fixture.ts';

/**
 * Throws unless cli/mwanctl.bundle.mjs matches the sources. A stale bundle makes the launcher run the sources through
 * tsx instead: its loader thread (a second V8 heap) and the transformed modules cost 20–35 MiB of resident memory
 * (measured at 8 WANs: 88–105 MiB against 63–72 MiB from the bundle), which is where a 92 MiB figure came from.
 */
export async function assertBundleCurrent(): Promise<void> {
  // The installed wrapper sets MWANCTL_INSTALLED=1: the launcher then refuses a stale bundle instead of running tsx.
  const r = await execa(process.execPath, [MWANCTL, '--version'], {
    env: { MWANCTL_INSTALLED: '1' },
    reject: false,
    timeout: 30000,
  });
  if (r.exitCode !== 0)
    throw new Error(`the daemon would not run as installed: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
}
