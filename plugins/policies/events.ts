// The event the policies plugin publishes, merged into the bus's event map: an adaptive strategy's weights.
export {};

declare module '../../plugin-api/index.ts' {
  interface MwanEvents {
    /** An adaptive strategy changed a policy's kernel weights (null: back to the configured weights). */
    'policy.weights': { policy: string; weights: Record<string, number> | null; reason: string };
  }
}
