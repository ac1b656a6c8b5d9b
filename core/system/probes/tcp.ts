// TCP connect probe: a good answer is a completed handshake from the WAN's address (IPv4 or IPv6); closed at once.
import net from 'node:net';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { describeError, probeLoop } from './timing.ts';
import { parseTarget, sourceFor, targetPort } from './target.ts';

/** Connects to `target:port` (or `[v6addr]:port`) from the WAN address of its family once per interval; rtt is the time to connect. */
export function startTcpProbe(spec: ProbeConfig, ctx: ProbeContext, onSample: (s: ProbeSample) => void): Prober {
  const port = targetPort(spec.target, spec.port);
  if (port === undefined) throw new Error(`tcp probe of ${spec.target}: a port is required (probes[].port)`);
  const { host, family } = parseTarget(spec.target);
  const localAddress = sourceFor(spec.target, ctx);
  return probeLoop(spec.target, spec.method, ctx, onSample, (attempt) => {
    const sock = net.connect({ host, port, localAddress, family: family ?? 4 });
    sock.setNoDelay(true);
    sock.once('connect', () => attempt.ok());
    sock.on('error', (err) => attempt.fail(describeError(err)));
    // Closing with FIN, not RST: polite to the server; the TIME_WAIT it leaves here is a few hundred sockets at most.
    return () => sock.destroy();
  });
}
