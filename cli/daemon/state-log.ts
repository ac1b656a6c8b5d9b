// One human log line per WAN state change, at a level that means something: offline/degraded/long down warn, online info.
import type { Engine } from '../../core/engine.ts';
import type { WanChange } from '../../core/events.ts';
import type { Logger } from '../../core/log.ts';

const figures = (c: WanChange) => {
  const parts = [
    c.rttMs !== undefined && c.rttMs !== null ? `rtt ${Math.round(c.rttMs)} ms` : '',
    c.lossPct !== undefined && c.lossPct !== null ? `loss ${Math.round(c.lossPct)}%` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
};
const duration = (ms: number) =>
  ms < 120000
    ? `${Math.round(ms / 1000)} s`
    : ms < 7200000
      ? `${Math.round(ms / 60000)} min`
      : `${Math.round(ms / 3600000)} h`;

/** `isp1` for a WAN's IPv4 side (as before), `isp1 IPv6` for its IPv6 side. */
const side = (c: WanChange) => (c.family === 'ipv6' ? `${c.wan} IPv6` : c.wan);

/** The line for each state event: `isp1 offline: no carrier`, `isp1 online: 2/2 targets answering, after 12 s out`. */
export const STATE_LINES = {
  'wan.offline': { level: 'warn', text: (c: WanChange) => `${side(c)} offline: ${c.reason}${figures(c)}` },
  'wan.degraded': { level: 'warn', text: (c: WanChange) => `${side(c)} degraded: ${c.reason}${figures(c)}` },
  'wan.longdown': {
    level: 'warn',
    text: (c: WanChange) =>
      `${side(c)} still down${c.downForMs !== undefined ? ` after ${duration(c.downForMs)}` : ''}: ${c.reason}`,
  },
  'wan.online': {
    level: 'info',
    text: (c: WanChange) =>
      `${side(c)} online: ${c.reason}${figures(c)}${c.downForMs !== undefined ? `, after ${duration(c.downForMs)} out` : ''}`,
  },
} as const;

/**
 * Logs the engine's WAN state changes; returns the unsubscribe (the daemon subscribes each engine it runs). A WAN that
 * is already out changing how it is out (link down, then probes failing) is the same outage: info, not a second warn.
 * `out` is shared across engines so a reload does not forget which WANs are out.
 */
export function logStateChanges(engine: Engine, log: Logger, out = new Set<string>()): () => void {
  const offs = (Object.keys(STATE_LINES) as (keyof typeof STATE_LINES)[]).map((event) =>
    engine.on(event, (c) => {
      const { text } = STATE_LINES[event];
      let level: 'warn' | 'info' = STATE_LINES[event].level;
      const key = c.family === 'ipv6' ? `${c.wan}/ipv6` : c.wan;
      if (event === 'wan.offline' && out.has(key)) level = 'info';
      if (event === 'wan.offline') out.add(key);
      if (event === 'wan.online') out.delete(key);
      log[level](
        {
          event,
          wan: c.wan,
          ...(c.family === 'ipv6' ? { family: c.family } : {}),
          reason: c.reason,
          rttMs: c.rttMs,
          lossPct: c.lossPct,
          downForMs: c.downForMs,
        },
        text(c),
      );
    }),
  );
  offs.push(
    engine.on('wan.admin', (p) => {
      log.info(
        { event: 'wan.admin', wan: p.wan },
        `${p.wan} ${p.enabled ? 'put back in service' : 'taken out of service'} by an administrator`,
      );
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}
