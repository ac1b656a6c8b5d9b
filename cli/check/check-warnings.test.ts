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
      ['wans[0].probes[2].method', 'wans[0].probes[2].target', 'wans[1].device', 'wans[1].probes', 'lan[0].device'],
    );
    assert.match(warnings[2], /wan2 does not exist on this machine/);
    assert.deepEqual(errors.length, 1);
    assert.match(
      errors[0],
      /^wans\[2\]\.probes\[0\]\.target: "www\.google\.com" is a host name; icmp probes need an IPv4 address/,
    );
  });

  it('does not check devices when the links could not be read', () => {
    assert.ok(!checkFindings(config, undefined).warnings.some((w) => w.includes('does not exist')));
  });

  describe('https probes and their timeout', () => {
    const https = (health?: object, wanHealth?: object) =>
      parseConfig({
        ...(health ? { health } : {}),
        wans: [
          {
            name: 'isp1',
            device: 'wan1',
            ...(wanHealth ? { health: wanHealth } : {}),
            probes: [
              { target: '192.0.2.1' },
              { method: 'http', target: '192.0.2.2' },
              { method: 'https', target: '192.0.2.3' },
            ],
          },
        ],
      }).config;
    const timeoutWarnings = (c: ReturnType<typeof https>) =>
      checkFindings(c, undefined).warnings.filter((w) => w.includes('round trips'));

    it('warns at the default 200 ms, naming the probe and where the timeout comes from', () => {
      const warnings = timeoutWarnings(https());
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^wans\[0\]\.probes\[2\]\.method: an https probe needs 3–4 round trips/);
      assert.match(warnings[0], /within 200 ms \(the default timeoutMs\): only targets less than about 50 ms away/);
      assert.match(warnings[0], /set wans\[0\]\.health\.timeoutMs to 400 or more/);
    });

    it('names the global or the WAN health section that set a short timeout', () => {
      assert.match(timeoutWarnings(https({ timeoutMs: 300 }))[0], /within 300 ms \(health\.timeoutMs\)/);
      assert.match(
        timeoutWarnings(https({ timeoutMs: 1000 }, { timeoutMs: 250 }))[0],
        /within 250 ms \(wans\[0\]\.health\.timeoutMs\)/,
      );
    });

    it('is quiet when the timeout allows four round trips of 100 ms, and for http and icmp probes', () => {
      assert.deepEqual(timeoutWarnings(https({ timeoutMs: 400 })), []);
      assert.deepEqual(timeoutWarnings(https(undefined, { timeoutMs: 600 })), []);
    });
  });
});
