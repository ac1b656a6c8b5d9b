// Runs nft scripts and `list` reads in-process through the addon's libnftables binding (native/nft.c), or says why it cannot (then `nft -f`, `nft -j list`).
import { nativeAddon } from '../probes/icmp-addon.ts';

interface NftBinding {
  /** '' when libnftables could be opened, else why not. */
  nftAvailable(): string;
  /** Runs a script as one transaction; '' on success, else nft's error text. */
  nftRun(script: string): string;
  /** Runs one read-only `list …` command as `nft -j` does: its JSON text; throws with nft's error text. */
  nftList?(command: string): string;
}

export interface NftLibrary {
  run: (script: string) => string;
  /** One `list …` command's JSON output (as `nft -j`); undefined when the addon predates it. */
  list?: (command: string) => string;
}

let binding: NftLibrary | { error: string } | undefined;

/**
 * libnftables through the addon, unless MWAN_NFT=process asks for `nft -f` processes or the addon or library is
 * missing. The addon opens libnftables.so.1 with dlopen: the library comes with the nftables package, so a router
 * that has `nft` has it too.
 */
export function inProcessNft(): NftLibrary | { error: string } {
  if (binding) return binding;
  if (process.env.MWAN_NFT === 'process') return (binding = { error: 'MWAN_NFT=process' });
  const loaded = nativeAddon();
  if ('error' in loaded) return (binding = { error: loaded.error });
  const addon = loaded.addon as unknown as Partial<NftBinding>;
  if (typeof addon.nftRun !== 'function' || typeof addon.nftAvailable !== 'function')
    return (binding = { error: 'the addon was built without nft.c (npm run build)' });
  const why = addon.nftAvailable();
  if (why) return (binding = { error: why });
  const list = addon.nftList;
  return (binding = {
    run: (script) => addon.nftRun!(script),
    list: typeof list === 'function' ? (command) => list.call(addon, command) : undefined,
  });
}
