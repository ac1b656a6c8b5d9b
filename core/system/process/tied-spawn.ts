// Ties a long-lived helper process (ip monitor, conntrack -E, miniupnpd, ping) to the daemon's life: it gets SIGKILL when the daemon dies.
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
let available: boolean | undefined;

/**
 * The argv that runs `argv` with the parent-death signal set to SIGKILL (util-linux `setpriv --pdeathsig`), so that a
 * `kill -9` of the daemon leaves nothing it started running. Without setpriv the argv is returned unchanged.
 */
export function tiedArgv(argv: readonly string[]): string[] {
  available ??= existsSync(SETPRIV);
  return available ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : [...argv];
}
