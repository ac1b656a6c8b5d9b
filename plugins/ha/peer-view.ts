// What this node knows of its peer: whether their configurations match (since when, which sections), its role, the last contact.
import type { PluginContext } from '../../plugin-api/index.ts';
import { differingSections, type ConfigHashes } from './config-hash.ts';
import type { PeerState } from './peer-state.ts';
import type { Role } from './roles.ts';

export type PeerConfigState = 'matches' | 'differs' | 'unreachable';

export interface PeerReport {
  /** null until the first answer or the first run of failures. */
  config: PeerConfigState | null;
  /** When `config` last changed. */
  since: string | null;
  /** The configuration sections whose hashes differ (when `config` is `differs`). */
  sections: string[];
  /** The peer's role as it last said. */
  role: Role | null;
  /** When the peer last answered. */
  lastContact: string | null;
  /** The last problem reaching it or reading its answer. */
  problem: string | null;
  /** The peer's remembered choices this node last copied (a backup copies the master's). */
  mirrored: { sets: number; elements: number; at: string } | null;
  /** The master's UPnP leases this backup last received (absent: none yet). */
  upnpLeases?: { leases: number; at: string };
}

/** Failed polls in a row before the peer counts as unreachable (a single lost answer is not news). */
export const UNREACHABLE_AFTER = 3;

export class PeerView {
  private state: PeerConfigState | null = null;
  private since: Date | null = null;
  private sections: string[] = [];
  private role: Role | null = null;
  private lastContact: Date | null = null;
  private problem: string | null = null;
  private failures = 0;
  private mirrored: PeerReport['mirrored'] = null;
  private upnpLeases: PeerReport['upnpLeases'];

  constructor(
    private readonly ctx: Pick<PluginContext, 'bus' | 'log'>,
    private readonly node: string,
    private readonly peer: string,
    private readonly own: ConfigHashes,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** An answer of the peer: compares the hashes; publishes ha.peer when the verdict changes. */
  answered(p: PeerState): void {
    this.failures = 0;
    this.problem = null;
    this.lastContact = this.now();
    this.role = p.role;
    const sections = differingSections(this.own.sections, p.config.sections);
    const differs = p.config.all !== this.own.all || sections.length > 0;
    this.set(differs ? 'differs' : 'matches', sections);
  }

  /** A failed poll (no answer, refused, or an answer that does not validate). */
  failed(problem: string): void {
    this.problem = problem;
    if (++this.failures === 1) this.ctx.log.debug({ peer: this.peer }, `HA: peer ${this.peer}: ${problem}`);
    if (this.failures >= UNREACHABLE_AFTER) {
      this.role = null;
      this.set('unreachable', []);
    }
  }

  copied(sets: number, elements: number): void {
    this.mirrored = { sets, elements, at: this.now().toISOString() };
  }

  leasesCopied(leases: number): void {
    this.upnpLeases = { leases, at: this.now().toISOString() };
  }

  get configMatches(): boolean {
    return this.state === 'matches';
  }

  get peerRole(): Role | null {
    return this.role;
  }

  report(): PeerReport {
    return {
      config: this.state,
      since: this.since?.toISOString() ?? null,
      sections: [...this.sections],
      role: this.role,
      lastContact: this.lastContact?.toISOString() ?? null,
      problem: this.problem,
      mirrored: this.mirrored,
      ...(this.upnpLeases ? { upnpLeases: { ...this.upnpLeases } } : {}),
    };
  }

  private set(state: PeerConfigState, sections: string[]): void {
    const same = state === this.state && sections.join() === this.sections.join();
    if (same) return;
    const previous = this.state;
    this.state = state;
    this.sections = sections;
    this.since = this.now();
    const text =
      state === 'matches'
        ? `HA: the configuration matches peer ${this.peer}'s`
        : state === 'differs'
          ? `HA: the configuration differs from peer ${this.peer}'s${sections.length ? ` in ${sections.join(', ')}` : ''}`
          : `HA: peer ${this.peer} does not answer on the peer channel (${this.problem})`;
    if (state === 'matches') this.ctx.log.info({ peer: this.peer }, text);
    else this.ctx.log.warn({ peer: this.peer, sections }, text);
    this.ctx.bus.emit('ha.peer', { node: this.node, peer: this.peer, config: state, previous, sections });
  }
}
