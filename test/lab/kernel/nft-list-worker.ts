// Run inside a lab namespace by nft-list.test.ts: reads counters and a table through SystemKernel (libnftables in process when the addon has it) and prints what it saw as JSON.
import { SystemKernel } from '../../../core/system/kernel/system-adapter.ts';
import { inProcessNft } from '../../../core/system/kernel/nft-native.ts';

const [table = 'labcount'] = process.argv.slice(2);
const kernel = new SystemKernel();
const lib = inProcessNft();
const failure = async (f: () => Promise<unknown>) =>
  f().then(
    () => null,
    (e: Error) => e.message,
  );
console.log(
  JSON.stringify({
    inProcess: !('error' in lib) && typeof lib.list === 'function',
    why: 'error' in lib ? lib.error : null,
    counters: await kernel.readCounters(table),
    table: await kernel.listNftTable('inet', table),
    missingCounters: await kernel.readCounters('nosuchtable'),
    missingTable: await kernel.listNftTable('inet', 'nosuchtable'),
    badName: await failure(() => kernel.readCounters('bad name; flush ruleset')),
  }),
);
