// Tests probe target parsing (`[v6]:port`), a target's family, and the port and source chosen per family.
import assert from 'node:assert/strict';
import { hasIpv6Targets, parseTarget, sourceFor, targetFamily, targetPort } from './target.ts';

const ctx = { wan: 'isp1', device: 'wan1', source: '100.64.1.2', intervalMs: 100, timeoutMs: 200 };

describe('probe targets of either family', () => {
  it('splits addresses, bracketed IPv6 with a port, and host names', () => {
    assert.deepEqual(parseTarget('192.0.2.1'), { host: '192.0.2.1', family: 4 });
    assert.deepEqual(parseTarget('2001:db8::1'), { host: '2001:db8::1', family: 6 });
    assert.deepEqual(parseTarget('[2001:db8::1]'), { host: '2001:db8::1', family: 6, port: undefined });
    assert.deepEqual(parseTarget('[2001:db8::1]:8443'), { host: '2001:db8::1', family: 6, port: 8443 });
    assert.deepEqual(parseTarget('probe.example'), { host: 'probe.example' });
    assert.throws(() => parseTarget('[192.0.2.1]:80'), /must be an IPv6 address/);
    assert.throws(() => parseTarget('[2001:db8::1]:70000'), /port must be 1..65535/);
  });

  it('takes the port from the target or the spec, refusing two different ones', () => {
    assert.equal(targetPort('[2001:db8::1]:8080', undefined), 8080);
    assert.equal(targetPort('[2001:db8::1]:8080', 8080), 8080);
    assert.equal(targetPort('2001:db8::1', 53), 53);
    assert.equal(targetPort('2001:db8::1', undefined, 443), 443);
    assert.equal(targetPort('192.0.2.1', undefined), undefined);
    assert.throws(() => targetPort('[2001:db8::1]:8080', 80), /its port 8080 differs from port 80/);
  });

  it('probes IPv6 targets from the WAN IPv6 address, and refuses them without one', () => {
    assert.equal(sourceFor('192.0.2.1', ctx), '100.64.1.2');
    assert.equal(sourceFor('probe.example', ctx), '100.64.1.2');
    assert.equal(sourceFor('[2001:db8::1]:80', { ...ctx, source6: '2001:db8:1::2' }), '2001:db8:1::2');
    assert.throws(() => sourceFor('2001:db8::1', ctx), /for WAN isp1: the WAN has no IPv6 address/);
  });

  it("a target's family: IPv6 addresses (bare or bracketed) probe IPv6; IPv4, host names and bad text IPv4", () => {
    assert.deepEqual(
      ['2001:db8::1', '[2001:db8::1]:80', '192.0.2.1', 'probe.example', '[192.0.2.1]'].map(targetFamily),
      ['ipv6', 'ipv6', 'ipv4', 'ipv4', 'ipv4'],
    );
    assert.equal(hasIpv6Targets({ probes: [{ target: '192.0.2.1' }, { target: '[2001:db8::1]' }] }), true);
    assert.equal(hasIpv6Targets({ probes: [{ target: '192.0.2.1' }] }), false);
  });
});
