// When a WAN's carrier returns, drops its gateways' unresolved neighbour entries (both families) so the first packets solicit at once.
import type { PluginContext } from '../../plugin-api/index.ts';

/**
 * Packets sent through a WAN while its carrier was down (the LAN's, before the switch; probes) leave its gateways'
 * neighbour entries INCOMPLETE, and the kernel solicits them again only at its next retransmit (1 s by default): the
 * first connections after the WAN returns to service waited for it (issue 13: IPv6's recovery, whose gateway no
 * probe of its own resolves, took ~190 ms longer than IPv4's). Resolved entries are left alone.
 * Returns a function that stops following.
 */
export function refreshGatewaysOnLinkUp(ctx: PluginContext, owner: string): () => void {
  return ctx.bus.on(
    'link.up',
    async ({ device }) => {
      const refresh = ctx.system.refreshNeighbours;
      if (!refresh) return;
      for (const w of ctx.world().wans.filter((x) => x.device === device)) {
        const gateways = [w.gateway, w.ipv6?.gateway].filter((g): g is string => Boolean(g));
        if (gateways.length === 0) continue;
        const problems = await refresh(device, gateways);
        if (problems.length > 0)
          ctx.log.warn({ wan: w.name, device, problems }, 'could not refresh the neighbour entries of its gateways');
      }
    },
    owner,
  );
}
