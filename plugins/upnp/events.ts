// The upnp plugin's event, merged into the bus's event map: the leases this node's miniupnpd holds, as mwan accepted them.
export {};

declare module '../../plugin-api/index.ts' {
  interface MwanEvents {
    /**
     * The leases mwan accepted from this node's miniupnpd changed (the accepted lease file was rewritten): each mapping
     * with its end (Unix seconds, 0: none) and sanitised description. On an HA master the ha plugin hands them to the
     * backup over the peer channel.
     */
    'upnp.leases': {
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
