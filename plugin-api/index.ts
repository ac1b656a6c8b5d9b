// The public plugin API (`mwan/plugin`): everything a plugin, built-in or a user's drop-in, may import from mwan.
// Built-in plugins import only this module and their own folder's files (plugin-api/boundary.test.ts checks it).

// The plugin object, its context, the world it renders from, its options.
export {
  definePlugin,
  type RuntimeWeights,
  type Disposer,
  type HealthReport,
  type KernelExtras,
  type LanView,
  type MwanPlugin,
  type PluginContext,
  type PluginOptions,
  type WanView,
  type WorldView,
} from './types.ts';
import type { WanView } from './types.ts';

/** Whether the WAN takes new connections of this family (IPv6: its own verdict; no IPv6: false). */
export function inServiceFor(wan: WanView, family: 'ipv4' | 'ipv6'): boolean {
  return family === 'ipv4' ? wan.inService : Boolean(wan.ipv6?.inService);
}

export {
  NO_OPTIONS,
  PluginOptionsError,
  invalidOptions,
  type OptionIssue,
} from '../config/schema/plugin-options.ts';

// Desired state: what `contribute` describes (a plugin may build a part of it apart, then add it in order).
export {
  DesiredBuilder,
  type BaseChainSpec,
  type ChainSpec,
  type DesiredState,
  type Nexthop,
  type RouteSpec,
  type RuleSpec,
  type SetSpec,
  type SysctlSpec,
} from '../core/reconcile/desired.ts';

// Events: the bus and its event map.
export type { EventBus } from '../core/bus.ts';
export type {
  AddressFamily,
  EventName,
  HealthFigures,
  MwanEvents,
  TargetAnswer,
  WanChange,
  WanStateName,
} from '../core/events.ts';

// Errors and logging.
export { MwanError, describeError, type MwanErrorCode } from '../core/errors.ts';
export type { Logger } from '../core/log.ts';

// The configuration plugins read, the sections they add to it (see MwanPlugin.configuration), and the validators for
// names, addresses and ports their schemas use.
export type { MwanConfig, PluginSections, PluginWanFields, WanConfig } from '../config/schema/schema.ts';
export type { ConfigContribution } from '../config/schema/parse.ts';
export { LIMITS, atMost } from '../config/schema/limits.ts';
export {
  DEVICE_NAME,
  OBJECT_NAME,
  forwardTarget,
  hex,
  intToIPv4,
  ipv4ToInt,
  isIPv4,
  maskShift,
  portRange,
} from '../config/schema/validators.ts';
export {
  hostInSubnetProblem,
  inPrefix,
  isIPv4Prefix,
  nonUnicastReason,
  parseAddressWithPrefix,
  subnetOf,
  type AddressWithPrefix,
} from '../config/schema/addresses.ts';
export {
  inPrefix6,
  isLinkLocal6,
  network6,
  parsePrefix6,
  type Prefix6,
} from '../config/schema/addresses6.ts';
export { RA_DEFAULTS, type RaConfig } from '../config/schema/ipv6-ra.ts';
export { declaredAddresses, type RefineCtx } from '../config/schema/network-checks.ts';
// The kernel layout (marks, tables, priorities; plugins add their parts) and the stable hash ids are taken from.
export type { Layout, PluginLayout } from '../config/schema/identifiers.ts';
export { fnv1a } from '../config/schema/fnv1a.ts';

// An HA pair: only the master reports WAN changes (mail, event scripts).
export { pairGate, type PairGate } from './ha-gate.ts';

// Shared nft rule text.
export { dnatStatement, nftSet, portMatch } from './nft-helpers.ts';

// Types of what the context's kernel actions take and return.
export type { ProbeSample, Prober } from '../core/system/probes/types.ts';
export type { ProcessSpec, Supervised } from '../core/system/process/supervise.ts';
export type { ScriptResult } from '../core/system/process/scripts.ts';
export type { NftFamily, NftJsonItem } from '../core/system/kernel/adapter.ts';
export type { NfqRulesSpec } from '../core/system/nfqueue/rules.ts';
export type {
  NewConnection,
  NfqueueStrategy,
  StrategyContext,
  StrategyFactory,
} from '../core/system/nfqueue/strategy.ts';
export type { NfqueueService } from '../core/system/nfqueue/index.ts';
export { NFQ_DONE_BIT } from '../core/system/nfqueue/index.ts';
export type { ConntrackSubscriber } from '../core/system/conntrack/feed.ts';
export type { ConntrackRecord } from '../core/system/conntrack/parse.ts';
export { OpenFlows } from '../core/system/conntrack/open-flows.ts';
export type { LinkBytes } from '../core/system/kernel/link-stats.ts';
export type { TimedElement, TimedSet } from '../core/system/kernel/timed-sets.ts';
export { isTimedKey } from '../core/system/kernel/timed-sets.ts';
export type { FileService, MailService, NfqueueStart, PluginServices, RunScript } from '../core/system/system.ts';
export type {
  HttpGetOptions,
  HttpGetReply,
  HttpHandler,
  HttpReply,
  HttpRequest,
  HttpServer,
  HttpService,
  HttpStream,
  HttpStreamReply,
} from '../core/system/http/types.ts';

// A probe target's family (its address's; host names probe IPv4).
export { targetFamily } from '../core/system/probes/target.ts';
// prefixes mode: the LANs that advertise and each LAN's /64 from each WAN.
export {
  advertisedLans,
  lanPrefixes6,
  nthSlash64,
  slash64Count,
  type AdvertisedLan,
  type LanPrefix6,
} from '../config/schema/lan-prefixes6.ts';
export {
  formatGroups,
  hostInPrefix64,
  isInterfaceId,
  ipv6Groups,
  isIPv6Address,
  networkOf,
  prefixGroups6,
} from '../config/schema/ipv6-groups.ts';
