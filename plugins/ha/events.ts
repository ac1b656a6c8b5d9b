// The HA pair's events, merged into the bus's event map: keepalived's notification and this node's role.
export {};

declare module '../../core/plugin/api.ts' {
  interface MwanEvents {
    /** keepalived told the daemon this node's new VRRP role (`mwanctl ha master|backup|fault` from its notify script). */
    'ha.notify': { role: 'master' | 'backup' | 'fault'; at: number };
    /** This node of an HA pair changed role (the ha plugin publishes it once per change; previous null at start). */
    'ha.role': {
      node: string;
      peer: string;
      role: 'master' | 'backup' | 'fault';
      previous: 'master' | 'backup' | 'fault' | null;
    };
  }
}
