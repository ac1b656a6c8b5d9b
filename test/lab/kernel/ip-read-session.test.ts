// The long-lived `ip -json -batch` read session: the same outputs as a process per read, reads in order, a failing command rejects and the next read starts afresh.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { IpReadSession } from '../../../core/system/kernel/ip-read-session.ts';
import { deleteNamespaces, ipBatch, newPrefix, removeStaleLabs } from '../../kit/lab/netns.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

describe('mwan lab: ip read session', function () {
  this.timeout(60000);
  let ns: string | undefined;
  let session: IpReadSession | undefined;

  before(async function () {
    await skipWithoutLab(this, 'ip read session');
    await removeStaleLabs();
    ns = `${newPrefix()}-ipread`;
    await ipBatch([`netns add ${ns}`]);
    await ipBatch(
      [
        'link set lo up',
        'link add v0 type veth peer name v1',
        'link set v0 up',
        'addr add 100.64.9.1/24 dev v0',
        'rule add fwmark 0x100/0xff00 table 201 priority 1000 protocol 249',
        'route add default via 100.64.9.2 dev v0 onlink table 201 protocol 249',
      ],
      ns,
    );
  });

  after(async () => {
    session?.close();
    if (ns) await deleteNamespaces([ns]);
  });

  const oneShot = async (family: '-4' | '-6', commands: string[]) =>
    (
      await execa('ip', ['netns', 'exec', ns!, 'ip', '-json', '-N', family, '-batch', '-'], {
        input: `${commands.join('\n')}\n`,
      })
    ).stdout
      .split('\n')
      .filter((l) => l.trim());

  it('reads what a process per read reads, follows the kernel, keeps order, and recovers from a failing command', async () => {
    const show = ['addr show', 'rule show', 'route show table all'];
    session = new IpReadSession(['ip', 'netns', 'exec', ns!, 'ip', '-json', '-N', '-4', '-batch', '-']);
    const first = await session.show(show);
    assert.deepEqual(first, await oneShot('-4', show));
    assert.match(first[1], /"priority":1000/, 'the rule added above');

    await ipBatch(['rule add fwmark 0x200/0xff00 table 202 priority 1001 protocol 249'], ns);
    const [a, b, c] = await Promise.all([
      session.show(['rule show']),
      session.show(['route show table 201']),
      session.show(['rule show', 'route show table 202']),
    ]);
    assert.match(a[0], /"priority":1001/, 'a later read sees the new rule');
    assert.match(b[0], /100\.64\.9\.2/);
    assert.equal(c.length, 2);
    assert.equal(c[1], '[]', 'an empty table reads as []');

    await assert.rejects(session.show(['route show table nosuchname']), /ip/);
    assert.deepEqual(await session.show(['rule show']), a, 'the next read after a failure works');
  });
});
