// On a node of an HA pair that does not run miniupnpd: the master's leases, checked as a lease file is, kept as accepted.leases and forwarded warm.
import { describeError, type FileService, type Logger, type MwanEvents } from '../../plugin-api/index.ts';
import { MAX_LEASE_FILE, MAX_WRITTEN_LINE, parseLeaseLine, renderLeases, type LeaseLine } from './leases.ts';
import { describeMapping, mappingKey, type Mapping, type Refusal } from './mapping.ts';
import type { UpnpPaths } from './miniupnpd.ts';
import { checkMappings, type MappingRules } from './validate.ts';

export type PeerLease = MwanEvents['ha.peerUpnp']['leases'][number];

const head = (l: Omit<LeaseLine, 'description'>): string =>
  `${l.proto.toUpperCase()}:${l.externalPort}:${l.address}:${l.port}:${l.expires}:`;

/**
 * Lease lines as this node reads its own lease file (parseLeaseLine, strictly), bounded as mwan writes them (one line
 * of at most MAX_WRITTEN_LINE, printable ASCII), then checked by mwan's rules for mappings (checkMappings: a host of
 * the served LAN, not the router, ports, static forwards, per-client and total bounds). Ended leases are dropped.
 */
export function checkLeaseLines(
  lines: string[],
  rules: MappingRules,
  nowSec: number,
): { leases: LeaseLine[]; refused: Refusal[] } {
  const refused: Refusal[] = [];
  const parsed: LeaseLine[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const l = parseLeaseLine(line);
    if (typeof l === 'string') refused.push({ what: JSON.stringify(line.slice(0, 60)), reason: l });
    else if (line.length > MAX_WRITTEN_LINE || !/^[\x20-\x7e]*$/.test(line))
      refused.push({
        what: describeMapping(l),
        reason: `not a line mwan writes (printable, at most ${MAX_WRITTEN_LINE})`,
      });
    else if (l.expires === 0 || l.expires > nowSec) parsed.push(l);
  }
  const checked = checkMappings(parsed, rules);
  const ok = new Set(checked.mappings.map((m) => `${mappingKey(m)}:${m.address}:${m.port}`));
  const leases = parsed.filter((l) => ok.delete(`${mappingKey(l)}:${l.address}:${l.port}`));
  return { leases, refused: [...refused, ...checked.refused] };
}

/** The peer's leases as the lines of a lease file (a description that could break a line is kept as it is: refused then). */
export const peerLeaseLines = (leases: PeerLease[]): string[] => leases.map((l) => `${head(l)}${l.description}`);

export interface PeerCopyDeps {
  files: FileService;
  paths: UpnpPaths;
  rules: () => MappingRules;
  log: Logger;
  now: () => number;
}

/** The leases a node keeps while it does not run miniupnpd (backup, fault, no role yet): the pair's latest truth. */
export class PeerCopy {
  private leases: LeaseLine[] = [];
  private written: string | undefined;
  private refusedKey = '';

  constructor(private readonly deps: PeerCopyDeps) {}

  /** Starts from accepted.leases: what this node last accepted or copied. */
  async load(): Promise<void> {
    const text = await this.deps.files.readTextPrefix(this.deps.paths.accepted, MAX_LEASE_FILE).catch(() => '');
    this.leases = this.check(text.split('\n'), 'accepted.leases');
    this.written = text;
  }

  /** A copy of the master's leases: checked, kept, written as accepted.leases when it differs. */
  async received(peer: string, leases: PeerLease[]): Promise<void> {
    this.leases = this.check(peerLeaseLines(leases), `peer ${peer}`);
    await this.save();
  }

  /** Rewrites accepted.leases without the leases that ended (before this node starts miniupnpd with it). */
  async prune(): Promise<void> {
    const now = this.deps.now();
    this.leases = this.leases.filter((l) => l.expires === 0 || l.expires > now);
    await this.save();
  }

  /** The mappings to forward now: leases not ended that today's rules still accept. */
  mappings(): Mapping[] {
    return checkMappings(
      this.leases.filter((l) => l.expires === 0 || l.expires > this.deps.now()),
      this.deps.rules(),
    ).mappings.map(({ proto, externalPort, address, port }) => ({ proto, externalPort, address, port }));
  }

  private check(lines: string[], from: string): LeaseLine[] {
    const r = checkLeaseLines(lines, this.deps.rules(), this.deps.now());
    const key = r.refused.map((x) => `${x.what} ${x.reason}`).join('\n');
    if (key && key !== this.refusedKey)
      for (const x of r.refused)
        this.deps.log.warn(
          { mapping: x.what, reason: x.reason, from },
          `UPnP: refused ${x.what} from ${from}: ${x.reason}`,
        );
    this.refusedKey = key;
    return r.leases;
  }

  private async save(): Promise<void> {
    const content = renderLeases(this.leases);
    if (content === this.written) return;
    try {
      await this.deps.files.writeAtomic(this.deps.paths.accepted, content);
      this.written = content;
    } catch (error) {
      this.deps.log.warn({ err: error }, `UPnP: cannot write ${this.deps.paths.accepted}: ${describeError(error)}`);
    }
  }
}
