// Stale neighbour entries after a carrier returns: the argv that drops a gateway's INCOMPLETE/FAILED entry so the next packet solicits at once.
import { isIP } from 'node:net';
import { deviceNameProblem } from '../../../config/schema/validators.ts';
import type { Runner } from '../process/runner.ts';

/**
 * `ip -4|-6 neigh flush to <address> dev <device> nud incomplete nud failed`: removes the entry only while it is
 * unresolved. Packets sent while the link was down leave such an entry behind; the kernel re-solicits it only at its
 * next retransmit (retrans_time, 1 s), holding the first packets after the carrier returns for up to that long.
 * Resolved, permanent and noarp entries are left alone (flush never touches the last two).
 */
export function neighbourFlushArgv(device: string, address: string): string[] {
  const problem = deviceNameProblem(device);
  if (problem) throw new Error(`neighbour refresh: device '${device}': ${problem}`);
  const v = isIP(address.replace(/%.*$/, ''));
  if (v === 0) throw new Error(`neighbour refresh: '${address}' is not an IP address`);
  return [
    'ip',
    v === 6 ? '-6' : '-4',
    'neigh',
    'flush',
    'to',
    address.replace(/%.*$/, ''),
    'dev',
    device,
    'nud',
    'incomplete',
    'nud',
    'failed',
  ];
}

/** Runs neighbourFlushArgv for each address (a failure is reported, not thrown: the kernel re-solicits in time anyway). */
export async function refreshNeighbours(run: Runner, device: string, addresses: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const a of addresses) {
    const r = await run(neighbourFlushArgv(device, a), { allowFailure: true });
    if (r.exitCode !== 0) problems.push(`${a}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  }
  return problems;
}
