// `mwanctl ha master|backup|fault`: keepalived's notify script tells the daemon this node's new VRRP role.
import { request } from './control/client.ts';
import { controlTarget } from './last-applied.ts';
import type { CommandArgs } from './commands.ts';

const ROLES = ['master', 'backup', 'fault'] as const;
type Role = (typeof ROLES)[number];

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
  const socket = a.socket ?? (await controlTarget(a.config)).socket;
  await request(socket, { cmd: 'ha', role: role as Role }, { timeoutMs: 2000 });
  return 0;
}
