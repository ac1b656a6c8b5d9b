// The built-in plugins, in the order they are registered.
import marker from './marker/index.ts';
import multipathDefault from './multipath-default/index.ts';
import routeTables from './route-tables/index.ts';
import snat from './snat/index.ts';
import health from './health/index.ts';
import flowMover from './flow-mover/index.ts';
import type { MwanPlugin } from '../core/plugin/types.ts';

export const builtinPlugins: MwanPlugin[] = [routeTables, multipathDefault, marker, snat, health, flowMover];
