// The IPv4 blocks miniupnpd 2.3 treats as private or reserved (it refuses them as external address): RFC 6890 and friends.
import { ipv4ToInt } from '../../plugin-api/index.ts';

export const RESERVED_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

/** True for an address miniupnpd would call "reserved / private" (an IPv4 address is expected). */
export function isReservedIPv4(address: string): boolean {
  const a = ipv4ToInt(address);
  return RESERVED_IPV4.some((block) => {
    const [net, len] = block.split('/');
    const size = 2 ** (32 - Number(len));
    return Math.floor(a / size) === Math.floor(ipv4ToInt(net) / size);
  });
}
