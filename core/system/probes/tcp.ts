// TCP connect probe: a good answer is a completed handshake from the WAN's address; the connection is closed at once.
import net from 'node:net';
import type { ProbeConfig } from '../../config/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { describeError, probeLoop } from './timing.ts';

/** Connects to `target:port` from `ctx.source` once per interval; rtt is the time to connect. */
export function startTcpProbe(spec: ProbeConfig, ctx: ProbeContext, onSample: (s: ProbeSample) => void): Prober {
  const port = spec.port;
  if (port === undefined) throw new Error(`tcp probe of ${spec.target}: a port is required (probes[].port)`);
  return probeLoop(spec.target, spec.method, ctx, onSample, (attempt) => {
    const sock = net.connect({ host: spec.target, port, localAddress: ctx.source, family: 4 });
    sock.setNoDelay(true);
    sock.once('connect', () => attempt.ok());
    sock.on('error', (err) => attempt.fail(describeError(err)));
    // Closing with FIN, not RST: polite to the server; the TIME_WAIT it leaves here is a few hundred sockets at most.
    return () => sock.destroy();
  });
}
