// The two supervised engines as process specs: conntrackd (FTFW sync) and keepalived (VRRP only), each with its own files.
import type { ProcessSpec } from '../../plugin-api/index.ts';
import { shellQuote, type NodePlan } from './render.ts';

const BACKOFF = { firstMs: 500, maxMs: 10_000, stableMs: 10_000 };

/** conntrackd in the foreground; a lock file left by a killed instance is removed first (mwan starts the only one). */
export function conntrackdSpec(p: NodePlan, config: string): ProcessSpec {
  return {
    name: 'conntrackd',
    argv: [p.ha.conntrackd, '-C', p.paths.conntrackdConf],
    files: [{ path: p.paths.conntrackdConf, content: config, mode: 0o600 }],
    before: [['rm', '-f', p.paths.conntrackdLock, p.paths.conntrackdSocket]],
    backoff: BACKOFF,
  };
}

/** keepalived's VRRP process in the foreground, logging to its output, with pid files of its own (two may share a host). */
export function keepalivedSpec(p: NodePlan, config: string, notify: string): ProcessSpec {
  return {
    name: 'keepalived',
    argv: [
      p.ha.keepalived,
      '--dont-fork',
      '--log-console',
      '--vrrp',
      '--use-file',
      p.paths.keepalivedConf,
      '--pid',
      p.paths.keepalivedPid,
      '--vrrp_pid',
      p.paths.vrrpPid,
    ],
    files: [
      { path: p.paths.keepalivedConf, content: config, mode: 0o600 },
      { path: p.paths.notify, content: notify, mode: 0o700 },
      { path: p.paths.stats, content: statsScript(p), mode: 0o700 },
    ],
    backoff: BACKOFF,
    stopGraceMs: 3000,
  };
}

/** `conntrackd -s`: the sync counters status shows (run as a script, so its output is bounded and timed). */
export const statsScript = (p: NodePlan): string =>
  `#!/bin/sh\n# Written by mwan's ha plugin: conntrackd's statistics for mwanctl status.\nexec ${shellQuote(p.ha.conntrackd)} -C ${shellQuote(p.paths.conntrackdConf)} -s\n`;
