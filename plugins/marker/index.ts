// Built-in plugin: nftables connection marking: new LAN connections classified by rules into policies (the default policy's chain is `balance`), inbound WAN marks, restore.
import { hex } from '../../core/config/validators.ts';
import { definePlugin, type WorldView } from '../../core/plugin/types.ts';
import { DesiredBuilder } from '../../core/kernel/desired.ts';
import { CLASSIFY_CHAIN, DEFAULT_CHAIN, chainFor, counterFor } from '../policies/names.ts';
import { renderPolicy } from '../policies/render.ts';
import { policiesInUse, renderRules, ruleSets } from '../policies/rules.ts';

export const MANGLE = -150;
export { chainFor, counterFor };
/** Metric of the unreachable route in an enforced WAN's table: below any real default, kept when the device goes. */
export const ENFORCE_METRIC = 4294967295;

/** `ct mark set` that changes only mwan's bits of the connection mark. */
function setCtMark(mask: number, mark: number): string {
  return `ct mark set ct mark & ${hex(~mask >>> 0)} | ${hex(mark)}`;
}

function localNetworks(world: WorldView): string[] {
  const nets = [...world.lans.flatMap((l) => l.networks), ...world.wans.flatMap((w) => (w.network ? [w.network] : []))];
  return [...new Set(nets)].sort();
}

const devices = (names: string[]) => `{ ${names.map((n) => `"${n}"`).join(', ')} }`;

/**
 * Policies, rules and the entry that sends new LAN connections to them. Without rules this is exactly the classic
 * marker: LAN connections jump to `balance` (the default policy), which is left out when it has nothing to do.
 * Returns the entry rule for mark_prerouting, if any; the objects go into `d`.
 */
function classification(d: DesiredBuilder, world: WorldView): string | undefined {
  const lanDevices = world.lans.map((l) => l.device);
  const rules = world.config.rules;
  const extraIif = [...new Set(rules.flatMap((r) => (r.iif && !lanDevices.includes(r.iif) ? [r.iif] : [])))];
  const entryDevices = [...lanDevices, ...extraIif];
  if (entryDevices.length === 0) return undefined;
  const rendered = policiesInUse(world).map((name) => renderPolicy(world.policies.get(name)!, world));
  const defaultChain = rendered[0];
  if (rules.length === 0 && defaultChain.chain.rules.length === 0) return undefined;
  for (const p of rendered) {
    d.chain(p.chain);
    for (const c of p.extraChains) d.chain(c);
    for (const s of p.sets) d.set(s);
  }
  let target = DEFAULT_CHAIN;
  if (rules.length) {
    const r = renderRules(world);
    for (const s of [...ruleSets(world), ...r.sets]) d.set(s);
    for (const c of r.chains) d.chain(c);
    const fallback = lanDevices.length ? [`iifname ${devices(lanDevices)} goto ${DEFAULT_CHAIN}`] : [];
    d.chain({ name: CLASSIFY_CHAIN, rules: [...r.classify, ...fallback] });
    for (const name of r.enforced) {
      const w = world.wans.find((x) => x.name === name)!;
      // Marked traffic of an enforced WAN whose routes are gone (device down) meets this instead of another WAN.
      d.route({ table: w.table, dst: 'default', type: 'unreachable', metric: ENFORCE_METRIC });
    }
    target = CLASSIFY_CHAIN;
  }
  const nets = localNetworks(world);
  d.set({ name: 'local_nets', kind: 'set', type: 'ipv4_addr', flags: ['interval'], elements: nets });
  const skipLocal = nets.length ? ' ip daddr != @local_nets' : '';
  return `iifname ${devices(entryDevices)} ct state new ct mark & ${hex(world.layout.mask)} == 0${skipLocal} jump ${target}`;
}

export default definePlugin({
  name: 'marker',
  contribute(d, world) {
    const { mask } = world.layout;
    const rules = world.wans.map((w) => `iifname "${w.device}" ct state new ${setCtMark(mask, w.mark)}`);
    // Policy objects are declared after mark_prerouting, as they always were (the table block keeps its order).
    const objects = new DesiredBuilder().as('marker');
    const entry = classification(objects, world);
    if (entry) rules.push(entry);
    rules.push(`ct mark & ${hex(mask)} != 0 meta mark set ct mark & ${hex(mask)}`);
    d.chain({ name: 'mark_prerouting', base: { type: 'filter', hook: 'prerouting', priority: MANGLE }, rules });
    for (const c of objects.state.nft.chains) d.chain(c);
    for (const s of objects.state.nft.sets) d.set(s);
    for (const r of objects.state.routes) d.route(r);
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
