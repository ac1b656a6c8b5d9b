// Tests what `mwanctl check` warns about and refuses: missing devices, WANs without probes, host-name probe targets.
import assert from 'node:assert/strict';
import { parseConfig } from '../config.ts';
import { checkFindings } from './check-warnings.ts';

const config = parseConfig({
  wans: [
    {
      name: 'isp1',
      device: 'wan1',
      probes: [{ target: 'gateway' }, { target: '192.0.2.1' }, { method: 'https', target: 'example.net' }],
    },
    { name: 'isp2', device: 'wan2' },
    { name: 'isp3', device: 'wan3', probes: [{ target: 'www.google.com' }] },
  ],
  lan: [{ device: 'lan0' }],
}).config;

describe('check findings', () => {
  it('names the field of every missing device, WAN without probes and host-name target', () => {
    const { warnings, errors } = checkFindings(config, ['lo', 'wan1', 'wan3']);
    assert.deepEqual(
      warnings.map((w) => w.split(':')[0]),
      ['wans[0].probes[2].target', 'wans[1].device', 'wans[1].probes', 'lan[0].device'],
    );
    assert.match(warnings[1], /wan2 does not exist on this machine/);
    assert.deepEqual(errors.length, 1);
    assert.match(
      errors[0],
      /^wans\[2\]\.probes\[0\]\.target: "www\.google\.com" is a host name; icmp probes need an IPv4 address/,
    );
  });

  it('does not check devices when the links could not be read', () => {
    assert.ok(!checkFindings(config, undefined).warnings.some((w) => w.includes('does not exist')));
  });
});
