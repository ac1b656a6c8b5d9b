// Tests that mail names the family: an IPv6 change says `(IPv6)` in its subject and `Family: IPv6` in its body.
import assert from 'node:assert/strict';
import { composeChanges, composeLongDown } from './compose.ts';

describe('mail: the family of a change', () => {
  const at = new Date('2026-12-03T07:10:08Z');
  it('an IPv6 change is named so; an IPv4 one keeps its subject and says Family: IPv4', () => {
    const six = composeChanges('[mwan]', 'gw', [
      { state: 'offline', at, change: { wan: 'isp1', family: 'ipv6', reason: 'no answer' } },
    ]);
    assert.equal(six.subject, '[mwan] isp1 (IPv6) offline: no answer');
    assert.match(six.text, /^Family: {4}IPv6$/m);
    const four = composeChanges('[mwan]', 'gw', [
      { state: 'offline', at, change: { wan: 'isp1', family: 'ipv4', reason: 'no answer' } },
    ]);
    assert.equal(four.subject, '[mwan] isp1 offline: no answer');
    assert.match(four.text, /^Family: {4}IPv4$/m);
    const long = composeLongDown('[mwan]', 'gw', { wan: 'isp1', family: 'ipv6', reason: 'x', downForMs: 180000 }, at);
    assert.match(long.subject, /^\[mwan\] isp1 \(IPv6\) long down/);
  });
});
