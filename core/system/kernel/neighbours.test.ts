// Tests the neighbour flush argv (family, states, validation) and that failures come back as problems.
import assert from 'node:assert/strict';
import { neighbourFlushArgv, refreshNeighbours } from './neighbours.ts';

describe('neighbour refresh', () => {
  it('flushes only an unresolved entry of one address, in its family', () => {
    const tail = ['nud', 'incomplete', 'nud', 'failed'];
    assert.deepEqual(neighbourFlushArgv('wan1', '100.64.1.1'), [
      'ip',
      '-4',
      'neigh',
      'flush',
      'to',
      '100.64.1.1',
      'dev',
      'wan1',
      ...tail,
    ]);
    assert.deepEqual(neighbourFlushArgv('wan1', 'fe80::1%wan1'), [
      'ip',
      '-6',
      'neigh',
      'flush',
      'to',
      'fe80::1',
      'dev',
      'wan1',
      ...tail,
    ]);
  });

  it('refuses a bad device or address, naming it', () => {
    assert.throws(() => neighbourFlushArgv('wan 1', '100.64.1.1'), /device 'wan 1'/);
    assert.throws(() => neighbourFlushArgv('wan1', '100.64.1.1; reboot'), /'100.64.1.1; reboot' is not an IP address/);
  });

  it('runs one command per address and returns what failed', async () => {
    const ran: string[][] = [];
    const problems = await refreshNeighbours(
      async (argv) => {
        ran.push(argv);
        return argv.includes('-6')
          ? { stdout: '', stderr: 'Operation not permitted\n', exitCode: 2 }
          : { stdout: '', stderr: '', exitCode: 0 };
      },
      'wan1',
      ['100.64.1.1', '2001:db8:1::1'],
    );
    assert.equal(ran.length, 2);
    assert.deepEqual(problems, ['2001:db8:1::1: Operation not permitted']);
  });
});
