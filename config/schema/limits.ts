// Upper bounds on the core's configuration lists: each keeps the kernel state, the probe load and validation time bounded (plugins bound their own sections).

/**
 * - wans: the hard ceiling of the mark layout (computeLayout caps the capacity at 1023); the mark mask usually allows
 *   fewer (0xff00: 255) and config validation names that capacity.
 * - probesPerWan: one round waits for every target; quorum is at most 16 as well.
 * - probesTotal: every target is probed every intervalMs (150 ms by default).
 * - lans, lanAddresses: nft sets of LAN devices and networks.
 */
export const LIMITS = {
  wans: 1023,
  probesPerWan: 16,
  probesTotal: 256,
  lans: 64,
  lanAddresses: 16,
  probeCommandArgs: 64,
} as const;

/** `at most 16 probes per WAN` style messages, so every limit names itself the same way. */
export const atMost = (n: number, what: string): string => `at most ${n} ${what} (mwan's limit)`;
