// `mwanctl init [--output FILE] [--force]`: writes a starter configuration for this machine, checked before it is written.
import { defaultLoaders } from 'cosmiconfig';
import path from 'node:path';
import { parseConfig } from '../config.ts';
import { SYSTEM_DIR } from '../../core/system/config-file.ts';
import { writeConfigFile } from '../write-config.ts';
import { discoverMachine } from './discover.ts';
import { starterConfig, type Starter } from './starter.ts';

export const DEFAULT_OUTPUT = path.join(SYSTEM_DIR, 'config.yaml');

/** Discovers the machine, builds the starter, validates it as mwan will, and writes it (never over a file without `force`). */
export async function runInit(output = DEFAULT_OUTPUT, force = false): Promise<Starter> {
  const starter = starterConfig(await discoverMachine());
  parseConfig(await defaultLoaders['.yaml']('starter.yaml', starter.yaml), '(starter configuration)');
  await writeConfigFile(output, starter.yaml, force);
  return starter;
}
