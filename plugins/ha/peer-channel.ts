// The peer channel: a small HTTP server on this node's sync address that answers only the peer's, and the poll of the peer's.
import type { HttpReply, HttpServer, PluginContext, TimedSet } from '../../plugin-api/index.ts';
import type { ConfigHashes } from './config-hash.ts';
import { isRememberedSet, parsePeerState, PEER_LIMITS, PEER_PATH, type PeerState } from './peer-state.ts';
import type { UpnpRelay } from './peer-upnp.ts';
import { PeerView } from './peer-view.ts';
import type { Role } from './role.ts';

export interface PeerChannelPlan {
  node: string;
  peer: string;
  selfAddress: string;
  peerAddress: string;
  port: number;
  hashes: ConfigHashes;
  /** This node's role now (keepalived's last word). */
  role: () => Role | null;
  /** How often the peer is asked (ms). */
  intervalMs?: number;
  /** This node's UPnP leases for the peer, and where a backup hands the master's. */
  upnp?: UpnpRelay;
}

/** Copies are rewritten when their keys change, and at least this often (the remaining times move on). */
const REFRESH_MS = 5000;

const json = (status: number, body: unknown): HttpReply => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: `${JSON.stringify(body)}\n`,
});

/** At most PEER_LIMITS elements in all (the peer refuses more): the first sets' first elements. */
function bounded(sets: TimedSet[]): TimedSet[] {
  let room: number = PEER_LIMITS.elements;
  return sets.slice(0, PEER_LIMITS.sets).map((s) => {
    const elements = s.elements.slice(0, room);
    room -= elements.length;
    return { name: s.name, elements };
  });
}

export class PeerChannel {
  readonly view: PeerView;
  private server: HttpServer | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  private lastCopy = { keys: '', at: 0 };
  private listenProblem: string | null = null;

  constructor(
    private readonly ctx: PluginContext,
    private readonly plan: PeerChannelPlan,
  ) {
    this.view = new PeerView(ctx, plan.node, plan.peer, plan.hashes);
  }

  /** Starts serving and polling; the server is retried on each poll until the sync address exists. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.plan.intervalMs ?? 1000);
    this.timer.unref?.();
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.server?.close();
    this.server = null;
  }

  /** What this node tells its peer. */
  async ownState(): Promise<PeerState> {
    const sets = (await this.ctx.system.timedSets?.read().catch(() => [])) ?? [];
    const role = this.plan.role();
    // Only a master's leases are the pair's: a backup's are a copy (or stale from its own time as master).
    const upnp = role === 'master' ? this.plan.upnp?.forPeer() : undefined;
    return {
      v: 1,
      node: this.plan.node,
      role,
      config: this.plan.hashes,
      sets: bounded(sets.filter((s) => isRememberedSet(s.name))),
      ...(upnp ? { upnp } : {}),
    };
  }

  /** The server's handler: GET of the one path, from the peer's sync address only. */
  async answer(req: { method: string; path: string; remoteAddress?: string }): Promise<HttpReply> {
    if (req.remoteAddress !== this.plan.peerAddress) return json(403, { error: 'only the HA peer may ask' });
    if (req.path !== PEER_PATH) return json(404, { error: 'no such path' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'GET only' });
    return json(200, await this.ownState());
  }

  /** One poll: listen if not yet, ask the peer, compare, copy its remembered choices when this node is its backup. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.listen();
      const state = await this.ask();
      if (!state) return;
      this.view.answered(state);
      this.copyLeases(state);
      await this.copy(state);
    } finally {
      this.busy = false;
    }
  }

  private async listen(): Promise<void> {
    const http = this.ctx.system.http;
    if (this.server || !http) return;
    try {
      this.server = await http.listen({ host: this.plan.selfAddress, port: this.plan.port }, (r) => this.answer(r));
      this.listenProblem = null;
      this.ctx.log.info(`HA: peer channel on ${this.plan.selfAddress}:${this.plan.port}`);
    } catch (e) {
      const m = (e as Error).message;
      if (m !== this.listenProblem) this.ctx.log.warn(`HA: peer channel: ${m} (retrying)`);
      this.listenProblem = m;
    }
  }

  private async ask(): Promise<PeerState | null> {
    const http = this.ctx.system.http;
    if (!http?.get) {
      this.view.failed('the system boundary sends no HTTP requests (system.http.get)');
      return null;
    }
    try {
      const r = await http.get({
        host: this.plan.peerAddress,
        port: this.plan.port,
        path: PEER_PATH,
        localAddress: this.plan.selfAddress,
        timeoutMs: Math.max(500, (this.plan.intervalMs ?? 1000) * 2),
        maxBytes: PEER_LIMITS.maxBytes,
      });
      if (r.status !== 200) throw new Error(`the peer answered HTTP ${r.status}`);
      const state = parsePeerState(r.body);
      if (state.node !== this.plan.peer) throw new Error(`the peer says it is ${state.node}, not ${this.plan.peer}`);
      return state;
    } catch (e) {
      this.view.failed((e as Error).message);
      return null;
    }
  }

  /** A backup whose configuration matches the master's hands the master's UPnP leases on (ha.peerUpnp). */
  private copyLeases(peer: PeerState): void {
    if (!peer.upnp || !this.plan.upnp) return;
    if (this.plan.role() !== 'backup' || peer.role !== 'master' || !this.view.configMatches) return;
    this.view.leasesCopied(this.plan.upnp.received(peer.upnp));
  }

  /**
   * A backup whose configuration matches the master's keeps a copy of the master's remembered choices (sticky and
   * persistence sets: the same names on both, since they are computed from the configuration), so a client's new
   * connections keep their WAN after a takeover. Only sets this node has are written.
   */
  private async copy(peer: PeerState): Promise<void> {
    const timed = this.ctx.system.timedSets;
    if (!timed || this.plan.role() !== 'backup' || peer.role !== 'master' || !this.view.configMatches) return;
    const own = (await timed.read()).filter((s) => isRememberedSet(s.name));
    const theirs = new Map(peer.sets.map((s) => [s.name, s.elements]));
    const want = own.map((s) => ({ name: s.name, elements: theirs.get(s.name) ?? [] }));
    const keys = want.map((s) => `${s.name}:${s.elements.map((e) => e.key).join(',')}`).join(';');
    const now = Date.now();
    if (keys === this.lastCopy.keys && now - this.lastCopy.at < REFRESH_MS) return;
    // The role may have changed while the peer answered: a new master keeps what it has.
    if (this.plan.role() !== 'backup') return;
    try {
      await timed.replace(want);
      this.lastCopy = { keys, at: now };
      this.view.copied(
        want.length,
        want.reduce((n, s) => n + s.elements.length, 0),
      );
    } catch (e) {
      this.ctx.log.warn(`HA: copying the peer's remembered choices failed: ${(e as Error).message}`);
    }
  }
}
