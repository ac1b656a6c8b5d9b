// The LinkState builder unit tests share: an up link with carrier and one IPv4 address (none when address is null).
import type { LinkState } from '../../core/system/kernel/adapter.ts';

export const link = (
  name: string,
  address: string | null,
  prefixLength = 30,
  extra: Partial<LinkState> = {},
): LinkState => ({
  name,
  adminUp: true,
  carrier: true,
  pointToPoint: false,
  addresses: address ? [{ address, prefixLength }] : [],
  ...extra,
});
