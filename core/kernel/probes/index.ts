// Starts a prober for a probe spec (icmp, tcp, http, https, dns, command).
import type { StartProbe } from './types.ts';

export const startProbe: StartProbe = (spec) => {
  throw new Error(`probe method ${spec.method} is not implemented yet`);
};
