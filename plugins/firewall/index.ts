// Built-in plugin: a safe firewall in mwan's own table, dropping only WAN-arriving (and group-forbidden) traffic.
import { NO_OPTIONS, definePlugin } from '../../plugin-api/index.ts';
import {
  FILTER,
  FORWARD_CHAIN,
  FORWARD_DROP_CHAIN,
  FORWARD_LOG_PREFIX,
  INPUT_CHAIN,
  INPUT_DROP_CHAIN,
  INPUT_LOG_PREFIX,
  dropChainRules,
  forwardRules,
  inputRules,
} from './rules.ts';
import { firewallConfiguration } from './options.ts';

export * from './rules.ts';

export default definePlugin({
  name: 'firewall',
  options: NO_OPTIONS,
  /** `firewall`: on by default when a LAN is configured; forwarding groups name LANs and WANs that exist. */
  configuration: firewallConfiguration,
  contribute(d, world) {
    const fw = world.config.firewall;
    if (!fw.enabled) return;
    d.chain({ name: INPUT_DROP_CHAIN, rules: dropChainRules(fw, INPUT_LOG_PREFIX) });
    d.chain({ name: FORWARD_DROP_CHAIN, rules: dropChainRules(fw, FORWARD_LOG_PREFIX) });
    d.chain({
      name: INPUT_CHAIN,
      base: { type: 'filter', hook: 'input', priority: FILTER, policy: 'accept' },
      rules: inputRules(world, fw),
    });
    d.chain({
      name: FORWARD_CHAIN,
      base: { type: 'filter', hook: 'forward', priority: FILTER, policy: 'accept' },
      rules: forwardRules(world, fw),
    });
  },
});
