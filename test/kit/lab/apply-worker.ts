// Hostile apply worker (runs in a lab's router namespace): applies the lab config plus a plugin whose state the kernel refuses; prints the error.
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../cli/config.ts';
import { Engine } from '../../../core/engine.ts';
import { SystemKernel } from '../../../core/system/kernel/system-adapter.ts';
import { realSystem } from '../../../core/system/real.ts';
import { silentLogger } from '../../../core/log.ts';
import { NO_OPTIONS } from '../../../config/schema/plugin-options.ts';
import { definePlugin } from '../../../plugin-api/types.ts';
import { builtinPlugins } from '../../../plugins/index.ts';

/** What the hostile plugin adds after everything the built-in plugins want. */
const faults = {
  /** A value the kernel refuses (EINVAL) for a sysctl mwan may set: it replaces multipath-default's 1. */
  sysctl: definePlugin({
    name: 'hostile',
    options: NO_OPTIONS,
    contribute(d) {
      d.sysctl('net/ipv4/fib_multipath_hash_policy', 9);
    },
  }),
  /** A rule nft cannot parse: the ip batch has run by then and must be undone. */
  nft: definePlugin({
    name: 'hostile',
    options: NO_OPTIONS,
    contribute(d) {
      d.chain({ name: 'hostile', rules: ['meta mark set 0x1 no_such_keyword'] });
    },
  }),
  /** A route through a gateway that is on no link, in mwan's range: the batch fails at that line, after mwan's other lines. */
  route: definePlugin({
    name: 'hostile',
    options: NO_OPTIONS,
    contribute(d, world) {
      d.route({ table: world.layout.balanceTable, dst: '198.51.100.0/24', via: '192.0.2.77', dev: 'wan1' });
    },
  }),
};

async function main(): Promise<void> {
  const [configPath, fault] = process.argv.slice(2) as [string, keyof typeof faults];
  if (!faults[fault]) throw new Error(`unknown fault ${fault}: ${Object.keys(faults).join(', ')}`);
  const loaded = parseConfig(JSON.parse(readFileSync(configPath, 'utf8')), configPath);
  const engine = await Engine.create({
    loaded,
    system: realSystem(new SystemKernel()),
    log: silentLogger(),
    plugins: [...builtinPlugins, faults[fault]],
  });
  await engine.observe();
  const result = await engine.reconcile(`hostile ${fault}`);
  process.stdout.write(
    `${JSON.stringify({ applied: result?.changed ?? false, error: engine.lastReconcile()?.error ?? null })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
