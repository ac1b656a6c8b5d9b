// The built-in plugins, in the order they are registered.
import marker from './policies/marker.ts';
import multipathDefault from './multipath-default/index.ts';
import routeTables from './route-tables/index.ts';
import snat from './snat/index.ts';
import portForward from './port-forward/index.ts';
import firewall from './firewall/index.ts';
import rpFilter from './rp-filter/index.ts';
import health from './health/index.ts';
import flowMover from './health/flow-mover.ts';
import mail from './mail/index.ts';
import eventScripts from './event-scripts/index.ts';
import policies from './policies/index.ts';
import upnp from './upnp/index.ts';
import ha from './ha/index.ts';
import ra from './ra/index.ts';
import observe from './observe/index.ts';
import traffic from './traffic/index.ts';
import type { MwanPlugin } from '../plugin-api/index.ts';

export const builtinPlugins: MwanPlugin[] = [
  routeTables,
  multipathDefault,
  marker,
  policies,
  snat,
  portForward,
  firewall,
  rpFilter,
  health,
  flowMover,
  mail,
  eventScripts,
  upnp,
  ha,
  ra,
  observe,
  traffic,
];
