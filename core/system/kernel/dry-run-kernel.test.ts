// Tests that the dry-run kernel changes nothing: applies are recorded, and conntrack deletions are recorded, not run.
import assert from 'node:assert/strict';
import { DryRunKernel, SystemKernel } from './system-adapter.ts';

describe('DryRunKernel', () => {
  const refuse = async (): Promise<never> => {
    throw new Error('a dry run ran a command');
  };

  it('records conntrack deletions instead of deleting (checked before calling, so a regression deletes nothing)', async () => {
    assert.notEqual(
      DryRunKernel.prototype.deleteConnections,
      SystemKernel.prototype.deleteConnections,
      'DryRunKernel inherits the deleting deleteConnections',
    );
    const k = new DryRunKernel(refuse as never);
    assert.equal(await k.deleteConnections(0x100, 0xff00), 0);
    assert.deepEqual(k.wouldDelete, [{ mark: 0x100, mask: 0xff00 }]);
  });

  it('records an apply plan and runs nothing', async () => {
    const k = new DryRunKernel(refuse as never);
    const plan = { nft: 'add table inet mwan', ip: [], sysctl: [] } as never;
    await k.apply(plan);
    assert.deepEqual(k.planned, [plan]);
    assert.deepEqual(k.applied, []);
  });
});
