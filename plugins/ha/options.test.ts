// The ha section: defaults, and every refusal names its field.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';

const base = (ha: Record<string, unknown>) => ({
  lan: [{ device: 'lan0' }],
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1' },
    { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
  ],
  ha,
});
const good = {
  nodes: [
    { name: 'r1', priority: 150, syncAddress: '10.99.0.1' },
    { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
  ],
  syncDevice: 'sync0',
  lan: { lan0: '10.77.0.1' },
  wans: { isp1: '100.64.1.10', isp2: '100.64.2.10' },
};

const refused = (ha: Record<string, unknown>, field: RegExp) =>
  assert.throws(
    () => parseConfig(base(ha)),
    (e: Error) => field.test(e.message),
    `expected ${field}`,
  );

describe('ha options', () => {
  it('fills the defaults: VRRPv3 every 0.1 s, nopreempt, port 3780, id 51', () => {
    const ha = parseConfig(base(good)).config.ha!;
    assert.equal(ha.advertInterval, 0.1);
    assert.equal(ha.nopreempt, true);
    assert.equal(ha.syncPort, 3780);
    assert.equal(ha.virtualRouterId, 51);
    assert.equal(ha.keepalived, '/usr/sbin/keepalived');
  });

  it('is absent without the section (a single router)', () => {
    const { ha: _, ...cfg } = base(good);
    assert.equal(parseConfig(cfg).config.ha, undefined);
  });

  it('refuses bad input, naming the field', () => {
    refused({ ...good, nodes: [good.nodes[0]] }, /ha\.nodes: .*exactly two nodes/);
    refused(
      { ...good, nodes: [good.nodes[0], { ...good.nodes[1], name: 'r1' }] },
      /ha\.nodes\[1\]\.name: .*the same as nodes\[0\]/,
    );
    refused({ ...good, nodes: [good.nodes[0], { ...good.nodes[1], name: 'r2.lan' }] }, /ha\.nodes\[1\]\.name/);
    refused({ ...good, nodes: [{ ...good.nodes[0], priority: 255 }, good.nodes[1]] }, /ha\.nodes\[0\]\.priority/);
    refused(
      { ...good, nodes: [good.nodes[0], { ...good.nodes[1], syncAddress: '10.99.0.1' }] },
      /ha\.nodes\[1\]\.syncAddress/,
    );
    refused(
      { ...good, nodes: [good.nodes[0], { ...good.nodes[1], syncAddress: '10.99.0.300' }] },
      /ha\.nodes\[1\]\.syncAddress/,
    );
    refused({ ...good, syncDevice: 'wan1' }, /ha\.syncDevice: .*LAN or WAN device/);
    refused({ ...good, syncDevice: 'a b' }, /ha\.syncDevice/);
    refused({ ...good, peerPort: 3780 }, /ha\.peerPort: got 3780; the same as syncPort \(3780\)/);
    refused({ ...good, peerPort: 0 }, /ha\.peerPort/);
    refused({ ...good, lan: {} }, /ha\.lan: got \{\}; LAN lan0 has no virtual address/);
    refused({ ...good, lan: { lan0: '10.77.0.1', lan9: '10.78.0.1' } }, /ha\.lan\.lan9: .*no lan\[\] device/);
    refused({ ...good, wans: { isp1: '100.64.1.10' } }, /ha\.wans: .*WAN isp2 has no virtual address/);
    refused({ ...good, wans: { ...good.wans, isp3: '100.64.3.10' } }, /ha\.wans\.isp3: .*no WAN is named so/);
    refused(
      { ...good, wans: { isp1: '100.64.1.10', isp2: '100.64.1.10' } },
      /ha: .*virtual address 100\.64\.1\.10 is used twice/,
    );
    refused({ ...good, wans: { ...good.wans, isp2: '224.0.0.18' } }, /ha\.wans\.isp2: .*expected a unicast address/);
    refused({ ...good, advertInterval: 0 }, /ha\.advertInterval/);
    refused({ ...good, keepalived: 'keepalived' }, /ha\.keepalived: .*expected an absolute path/);
    refused({ ...good, extra: 1 }, /ha: unknown field "extra"/);
  });
});
