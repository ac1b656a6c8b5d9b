// `mwanctl ha master|backup|fault`: keepalived's notify script tells the daemon this node's new VRRP role.
import { NoDaemonError, request } from './control/client.ts';
import { controlTarget } from './last-applied.ts';
import type { CommandArgs } from './command-args.ts';

const ROLES = ['master', 'backup', 'fault'] as const;
type Role = (typeof ROLES)[number];

/** keepalived may notify while the daemon is still setting up (before its socket listens): wait this long for it. */
const WAIT_FOR_DAEMON_MS = 15_000;

export async function haCommand(a: CommandArgs): Promise<number> {
  const role = a.args[0];
  if (!ROLES.includes(role as Role)) {
    process.stderr.write(`mwanctl: ha: expected master, backup or fault, got ${JSON.stringify(role ?? '')}\n`);
    return 2;
  }
  if (a.socket !== undefined && !a.socket.startsWith('/')) {
    process.stderr.write('mwanctl: ha: --socket: expected an absolute path\n');
    return 2;
  }
  // When the notify script started (ns since the epoch): the daemon drops a notification older than one it has.
  const at = a.at === undefined ? Date.now() : Number(a.at) / 1e6;
  if (!Number.isFinite(at) || at <= 0) {
    process.stderr.write('mwanctl: ha: --at: expected nanoseconds since the epoch (date +%s%N)\n');
    return 2;
  }
  const socket = a.socket ?? (await controlTarget(a.config)).socket;
  const deadline = Date.now() + WAIT_FOR_DAEMON_MS;
  for (;;) {
    try {
      await request(socket, { cmd: 'ha', role: role as Role, at }, { timeoutMs: 2000 });
      return 0;
    } catch (error) {
      if (!(error instanceof NoDaemonError) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
