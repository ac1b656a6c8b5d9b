// Built-in plugin: nftables connection marking: weighted `numgen` choice for new LAN connections, inbound WAN marks, restore.
import { hex } from '../../core/config/validators.ts';
import { definePlugin, type WorldView } from '../../core/plugin/types.ts';
import { weightRanges } from '../../core/wan/selection.ts';
import type { DesiredBuilder } from '../../core/kernel/desired.ts';

export const MANGLE = -150;
export const chainFor = (id: number) => `to_wan${id}`;
export const counterFor = (id: number) => `new_wan${id}`;

/** `ct mark set` that changes only mwan's bits of the connection mark. */
function setCtMark(mask: number, mark: number): string {
  return `ct mark set ct mark & ${hex(~mask >>> 0)} | ${hex(mark)}`;
}

function localNetworks(world: WorldView): string[] {
  const nets = [...world.lans.flatMap((l) => l.networks), ...world.wans.flatMap((w) => (w.network ? [w.network] : []))];
  return [...new Set(nets)].sort();
}

function balanceRule(world: WorldView): string | undefined {
  const active = world.active;
  if (active.length === 0) return undefined;
  if (active.length === 1) return `jump ${chainFor(active[0].id)}`;
  const ranges = weightRanges(active);
  const total = ranges[ranges.length - 1].to + 1;
  const entries = ranges.map((r) => `${r.from === r.to ? r.from : `${r.from}-${r.to}`} : jump ${chainFor(r.wan.id)}`);
  return `numgen random mod ${total} vmap { ${entries.join(', ')} }`;
}

function preroutingRules(world: WorldView, d: DesiredBuilder): string[] {
  const { mask } = world.layout;
  const rules = world.wans.map((w) => `iifname "${w.device}" ct state new ${setCtMark(mask, w.mark)}`);
  const balance = balanceRule(world);
  if (world.lans.length && balance) {
    const lanSet = `{ ${world.lans.map((l) => `"${l.device}"`).join(', ')} }`;
    const nets = localNetworks(world);
    d.set({ name: 'local_nets', kind: 'set', type: 'ipv4_addr', flags: ['interval'], elements: nets });
    const skipLocal = nets.length ? ' ip daddr != @local_nets' : '';
    rules.push(`iifname ${lanSet} ct state new ct mark & ${hex(mask)} == 0${skipLocal} jump balance`);
  }
  rules.push(`ct mark & ${hex(mask)} != 0 meta mark set ct mark & ${hex(mask)}`);
  return rules;
}

export default definePlugin({
  name: 'marker',
  contribute(d, world) {
    const { mask } = world.layout;
    d.chain({ name: 'mark_prerouting', base: { type: 'filter', hook: 'prerouting', priority: MANGLE }, rules: preroutingRules(world, d) });
    const balance = balanceRule(world);
    if (world.lans.length && balance) d.chain({ name: 'balance', rules: [balance] });
    for (const w of world.wans) {
      d.counter(counterFor(w.id));
      d.chain({ name: chainFor(w.id), rules: [`${setCtMark(mask, w.mark)} counter name "${counterFor(w.id)}"`] });
    }
    // The router's own connections: the multipath route picks the WAN, postrouting records it, output restores it.
    d.chain({ name: 'mark_output', base: { type: 'route', hook: 'output', priority: MANGLE }, rules: [`ct mark & ${hex(mask)} != 0 meta mark set ct mark & ${hex(mask)}`] });
    d.chain({
      name: 'mark_postrouting',
      base: { type: 'filter', hook: 'postrouting', priority: MANGLE },
      rules: world.wans.map((w) => `oifname "${w.device}" ct state new ct mark & ${hex(mask)} == 0 ${setCtMark(mask, w.mark)}`),
    });
  },
});
