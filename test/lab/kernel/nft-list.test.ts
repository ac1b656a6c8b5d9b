// Reading nft counters and tables in process (libnftables through the addon): the same figures as `nft -j`, null for a missing table, bad names refused.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { parseNftCounters } from '../../../core/system/kernel/nft-read.ts';
import { deleteNamespaces, ipBatch, newPrefix, nftApply, removeStaleLabs } from '../../kit/lab/netns.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { nodeArgv } from '../../kit/lab/traffic.ts';

const WORKER = fileURLToPath(new URL('./nft-list-worker.ts', import.meta.url));

describe('mwan lab: nft counters and tables read in process', function () {
  this.timeout(60000);
  let ns: string | undefined;

  before(async function () {
    await skipWithoutLab(this, 'nft list');
    await removeStaleLabs();
    ns = `${newPrefix()}-nft`;
    await ipBatch([`netns add ${ns}`]);
    await ipBatch(['link set lo up'], ns);
  });

  after(async () => {
    if (ns) await deleteNamespaces([ns]);
  });

  const worker = async () => {
    const r = await execa('ip', ['netns', 'exec', ns!, ...nodeArgv(WORKER, ['labcount'])], { timeout: 30000 });
    return JSON.parse(r.stdout) as {
      inProcess: boolean;
      why: string | null;
      counters: Record<string, { packets: number; bytes: number }> | null;
      table: { chain?: { name: string } }[] | null;
      missingCounters: unknown;
      missingTable: unknown;
      badName: string | null;
    };
  };

  it('gives what `nft -j list counters` gives, follows the kernel between reads, and says null for a missing table', async () => {
    await nftApply(
      ns!,
      [
        'table inet labcount {',
        '  counter rx_wan1 { packets 7 bytes 700 }',
        '  counter tx_wan1 { packets 3 bytes 120 }',
        '  chain out { type filter hook output priority 0; counter name "tx_wan1"; }',
        '}',
      ].join('\n'),
    );
    const first = await worker();
    assert.ok(first.inProcess, `libnftables in process: ${first.why}`);
    const cli = await execa('ip', ['netns', 'exec', ns!, 'nft', '-j', 'list', 'counters', 'table', 'inet', 'labcount']);
    assert.deepEqual(first.counters, parseNftCounters(cli.stdout));
    assert.deepEqual(first.counters!.rx_wan1, { packets: 7, bytes: 700 });
    assert.ok(first.counters!.tx_wan1.packets >= 3);
    assert.deepEqual(
      first.table?.filter((i) => i.chain).map((i) => i.chain!.name),
      ['out'],
    );
    assert.equal(first.missingCounters, null);
    assert.equal(first.missingTable, null);
    assert.match(first.badName ?? '', /bad nft table/);

    // packets the namespace's own output sends count in tx_wan1: a second read sees them
    await execa('ip', ['netns', 'exec', ns!, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '127.0.0.1'], {
      reject: false,
    });
    const second = await worker();
    assert.ok(
      second.counters!.tx_wan1.packets >= first.counters!.tx_wan1.packets + 3,
      `tx_wan1 grew: ${JSON.stringify([first.counters, second.counters])}`,
    );
  });
});
