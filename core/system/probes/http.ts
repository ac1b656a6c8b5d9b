// HTTP(S) GET probe: a good answer is the expected status (default any 2xx or 3xx); rtt is the time to the response headers.
import http from 'node:http';
import https from 'node:https';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { describeError, probeLoop } from './timing.ts';
import { parseTarget, sourceFor, targetPort } from './target.ts';

/** Whether `status` is a good answer: the configured one, or else any 2xx/3xx. */
export function statusIsGood(status: number, expect: number | undefined): boolean {
  return expect === undefined ? status >= 200 && status < 400 : status === expect;
}

/**
 * GETs `http(s)://target[:port]/path` from `ctx.source` (`source6` for IPv6) once per interval, on a fresh connection each time (no agent,
 * no keep-alive: every probe must prove the path now, not reuse a connection opened before an outage).
 *
 * HTTPS does not verify the server's certificate (`rejectUnauthorized: false`): the probe asks "does this WAN reach
 * the server", not "is this the genuine server", and a health check must not fail because a certificate expired or a
 * target is addressed by IP. Nothing secret is sent. The TLS handshake still has to complete before the headers come.
 */
export function startHttpProbe(spec: ProbeConfig, ctx: ProbeContext, onSample: (s: ProbeSample) => void): Prober {
  const secure = spec.method === 'https';
  const port = targetPort(spec.target, spec.port, secure ? 443 : 80)!;
  const { host, family } = parseTarget(spec.target);
  const localAddress = sourceFor(spec.target, ctx);
  const hostHeader = family === 6 ? `[${host}]` : host;
  const path =
    spec.path === undefined || spec.path === '' ? '/' : spec.path.startsWith('/') ? spec.path : `/${spec.path}`;
  const defaultPort = port === (secure ? 443 : 80);
  const headers = {
    host: defaultPort ? hostHeader : `${hostHeader}:${port}`,
    'user-agent': 'mwan-probe',
    accept: '*/*',
    connection: 'close',
  };
  const request = secure ? https.request : http.request;

  return probeLoop(spec.target, spec.method, ctx, onSample, (attempt) => {
    const req = request({
      host,
      port,
      path,
      method: 'GET',
      headers,
      family: family ?? 4,
      localAddress,
      agent: false,
      ...(secure ? { rejectUnauthorized: false } : {}),
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      if (statusIsGood(status, spec.expectStatus)) attempt.ok();
      else
        attempt.fail(
          `HTTP ${status}${spec.expectStatus === undefined ? ', expected 2xx or 3xx' : `, expected ${spec.expectStatus}`}`,
        );
    });
    req.on('error', (err) => attempt.fail(describeError(err)));
    req.end();
    // The headers are all a probe needs: drop the body and the connection.
    return () => req.destroy();
  });
}
