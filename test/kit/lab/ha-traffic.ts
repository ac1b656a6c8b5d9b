// Traffic for the HA lab: the report server in inet and the takeover client (long flows, a stream of new connections).
import { fileURLToPath } from 'node:url';
import type { HaLab } from './ha-pair.ts';
import type { ManagedProcess } from './processes.ts';
import { nodeArgv } from './traffic.ts';

const REPORT_SERVER = fileURLToPath(new URL('./servers/report-server.ts', import.meta.url));
const HA_FLOWS = fileURLToPath(new URL('./clients/ha-flows.ts', import.meta.url));
export const HA_PORT = 7100;

/** The report server in inet on `bind` (default the IPv4 server address; the IPv6 one for IPv6 flows). */
export async function startHaServer(lab: HaLab, bind = lab.addr.server): Promise<ManagedProcess> {
  const p = lab.spawn(lab.ns.inet, nodeArgv(REPORT_SERVER, ['--bind', bind, '--tcp', String(HA_PORT)]));
  await p.waitForLine('ready', 15000);
  return p;
}

export interface FlowResult {
  firstSource: string | null;
  lastSource: string | null;
  replies: number;
  maxGapMs: number;
  closed: string | null;
}
export interface FlowsResult {
  started: number;
  flows: FlowResult[];
  connects: { tried: number; ok: number; okTimes: number[]; worstGapMs: number };
}

export interface FlowsRun {
  /** Resolves with the client's figures once its time is up. */
  result: Promise<FlowsResult>;
  /** Ends the run now (the client reports as if its time were up). */
  stop(): void;
}

/** Starts the client in the LAN namespace; resolves once every flow is connected and messages flow. */
export async function startFlows(
  lab: HaLab,
  o: { flows?: number; seconds: number; connectEveryMs?: number; from?: string; to?: string },
): Promise<FlowsRun> {
  const p = lab.spawn(
    lab.ns.client,
    nodeArgv(HA_FLOWS, [
      '--to',
      o.to ?? lab.addr.server,
      '--port',
      String(HA_PORT),
      '--flows',
      String(o.flows ?? 20),
      '--seconds',
      String(o.seconds),
      '--connect-every-ms',
      String(o.connectEveryMs ?? 0),
      ...(o.from ? ['--from', o.from] : []),
    ]),
  );
  await p.waitForLine(/^ready/, 20000);
  const result = p
    .waitForLine(/^result /, (o.seconds + 30) * 1000)
    .then((line) => JSON.parse(line.slice('result '.length)) as FlowsResult);
  return { result, stop: () => p.write('stop\n') };
}
