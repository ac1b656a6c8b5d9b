// The registry an engine's NFQUEUE policies use (built-ins, in-process registrations, every plugin's nfqueueStrategies) and the check that each policy names one.
import { describeError, type MwanConfig, MwanError, type MwanPlugin } from '../../../plugin-api/index.ts';
import { nfqueueLayout } from './layout.ts';
import { nfqueueStrategies } from './builtins.ts';
import { NfqueueStrategyRegistry } from './registry.ts';

/** The built-in strategies, those registered in-process on `nfqueueStrategies`, and every plugin's `nfqueueStrategies`. */
export function strategyRegistry(plugins: readonly MwanPlugin[]): NfqueueStrategyRegistry {
  const registry = new NfqueueStrategyRegistry(nfqueueStrategies);
  for (const p of plugins) {
    for (const [name, factory] of Object.entries(p.nfqueueStrategies ?? {})) {
      try {
        registry.register(name, factory, `plugin '${p.name}'`);
      } catch (error) {
        throw new MwanError('MWAN_PLUGIN_INVALID', `plugin '${p.name}': ${describeError(error)}`, { cause: error });
      }
    }
  }
  return registry;
}

/** Every `nfqueue:<name>` policy must name a registered strategy; the error names the field and what exists. */
export function checkNfqueueStrategies(config: MwanConfig, registry: NfqueueStrategyRegistry): void {
  for (const [policy, ids] of nfqueueLayout(config).policies) {
    if (registry.has(ids.strategy)) continue;
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `policies.${policy}.strategy: got "nfqueue:${ids.strategy}"; no NFQUEUE strategy has that name ` +
        `(registered: ${registry.names().join(', ')}); a plugin adds its own with nfqueueStrategies: { '<name>': factory }`,
    );
  }
}
