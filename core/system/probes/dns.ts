// DNS probe: an A query over UDP (IPv4 or IPv6) from the WAN's address on one long-lived socket; any well-formed reply is an answer.
import dgram from 'node:dgram';
import net from 'node:net';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { decodeMessage, encodeName, encodeQuery, TYPE_A } from './dns-wire.ts';
import { describeError, probeLoop, type Attempt } from './timing.ts';
import { parseTarget, sourceFor, targetPort } from './target.ts';
import { ipv6Hex } from '../ipv6-text.ts';

/**
 * The default name asked for. `.invalid` is reserved (RFC 6761): resolvers answer NXDOMAIN, often without asking
 * anyone, so the probe costs nothing upstream and leaks nothing.
 */
export const DEFAULT_DNS_QUERY = 'mwan-probe.invalid';

/**
 * Queries resolver `target:port` (default 53) for `spec.query` once per interval. Every well-formed response whose id
 * and question match counts as an answer, whatever its rcode (NXDOMAIN, SERVFAIL, REFUSED included): it proves the
 * resolver answered through this WAN, which is what the probe is for. Replies from another address are ignored.
 * One UDP socket bound to `ctx.source` (`ctx.source6` for an IPv6 target) serves every query; if binding fails (the address is gone) each round reports
 * the error and the next round binds again.
 */
export function startDnsProbe(spec: ProbeConfig, ctx: ProbeContext, onSample: (s: ProbeSample) => void): Prober {
  const port = targetPort(spec.target, spec.port, 53)!;
  const { host, family } = parseTarget(spec.target);
  const source = sourceFor(spec.target, ctx);
  /** Replies must come from the target (compared byte for byte for IPv6, however either address is written). */
  const key = (a: string): string => (net.isIPv6(a) ? ipv6Hex(a) : a);
  const name = spec.query ?? DEFAULT_DNS_QUERY;
  encodeName(name); // throws now, naming the bad label, rather than once per round
  const wanted = name.replace(/\.$/, '').toLowerCase();
  const fromTarget = (addr: string): boolean => family === undefined || key(addr) === key(host);
  const pending = new Map<number, Attempt>();
  let sock: dgram.Socket | undefined;

  const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (!fromTarget(rinfo.address) || rinfo.port !== port) return;
    let m: ReturnType<typeof decodeMessage>;
    try {
      m = decodeMessage(msg);
    } catch {
      return;
    }
    const attempt = pending.get(m.id);
    if (!attempt || !m.response) return;
    const q = m.questions[0];
    if (q && (q.name.toLowerCase() !== wanted || q.type !== TYPE_A)) return;
    attempt.ok();
  };

  const open = (): dgram.Socket => {
    const s = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    s.on('message', onMessage);
    s.on('error', (err) => {
      // A bind error (address not present) or a socket failure: fail what is waiting, start afresh next round.
      const why = describeError(err);
      for (const a of [...pending.values()]) a.fail(why);
      if (sock === s) sock = undefined;
      try {
        s.close();
      } catch {
        /* never bound, or closed already */
      }
    });
    s.bind({ address: source, port: 0, exclusive: true });
    return s;
  };

  const freeId = (): number => {
    for (;;) {
      const id = Math.floor(Math.random() * 0x10000);
      if (!pending.has(id)) return id;
    }
  };

  return probeLoop(
    spec.target,
    spec.method,
    ctx,
    onSample,
    (attempt) => {
      sock ??= open();
      const s = sock;
      const id = freeId();
      pending.set(id, attempt);
      s.send(encodeQuery(id, name), port, host, (err) => {
        if (err) attempt.fail(describeError(err));
      });
      return () => {
        pending.delete(id);
      };
    },
    {
      onStop() {
        pending.clear();
        const s = sock;
        sock = undefined;
        s?.removeAllListeners('message');
        try {
          s?.close();
        } catch {
          /* already closed */
        }
      },
    },
  );
}
