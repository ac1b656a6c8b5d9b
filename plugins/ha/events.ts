// The HA pair's events, merged into the bus's event map: keepalived's notification, this node's role, what it knows of its peer's config, the peer's UPnP leases.
export {};

declare module '../../plugin-api/index.ts' {
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
    /**
     * What this node of an HA pair knows of its peer's configuration changed: the hashes match, differ (in `sections`),
     * or the peer does not answer on the peer channel.
     */
    'ha.peer': {
      node: string;
      peer: string;
      config: 'matches' | 'differs' | 'unreachable';
      previous: 'matches' | 'differs' | 'unreachable' | null;
      sections: string[];
    };
    /**
     * A backup of an HA pair received the master's UPnP leases over the peer channel (checked: shape, bounds, LAN
     * address; ends in Unix seconds of this node, 0: none). Published when they change and at least every few seconds;
     * the upnp plugin keeps them for a takeover.
     */
    'ha.peerUpnp': {
      peer: string;
      leases: {
        proto: 'tcp' | 'udp';
        externalPort: number;
        address: string;
        port: number;
        expires: number;
        description: string;
      }[];
    };
  }
}
