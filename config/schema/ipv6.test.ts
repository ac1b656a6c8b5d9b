// Tests the IPv6 configuration: wans[].ipv6 and the ipv6 section, each problem named by its field (issue 13).
import assert from 'node:assert/strict';
import { MwanError } from '../../core/errors.ts';
import { parseConfig } from '../../cli/config.ts';

const base = (wan6: Record<string, unknown>, ipv6?: Record<string, unknown>) => ({
  wans: [{ name: 'isp1', device: 'wan1', ipv6: wan6 }],
  lan: [{ device: 'lan0' }],
  ...(ipv6 ? { ipv6 } : {}),
});

function problems(input: unknown): string {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof MwanError, String(error));
    return error.message;
  }
  assert.fail('expected the configuration to be refused');
}

describe('IPv6 configuration', () => {
  it('accepts static and auto values; auto is the default', () => {
    const cfg = parseConfig(
      base(
        {
          address: '2001:db8:1::2/64',
          gateway: 'fe80::1',
          prefix: '2001:db8:1:100::/56',
          lanPrefix: '2001:db8:1:100::/64',
        },
        { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] },
      ),
    ).config;
    assert.equal(cfg.wans[0].ipv6?.gateway, 'fe80::1');
    assert.equal(cfg.ipv6?.mode, 'npt');
    const auto = parseConfig(base({})).config.wans[0].ipv6!;
    assert.deepEqual([auto.address, auto.gateway, auto.prefix], ['auto', 'auto', 'auto']);
  });

  it('names the field for a family mix in either direction', () => {
    assert.match(
      problems(base({ gateway: '100.64.1.1' })),
      /wans\[0\]\.ipv6\.gateway: .*IPv4 address: this field takes an IPv6/,
    );
    assert.match(problems(base({ address: '100.64.1.2/30' })), /wans\[0\]\.ipv6\.address: .*IPv4 address/);
    assert.match(problems(base({ prefix: '10.0.0.0/8' })), /wans\[0\]\.ipv6\.prefix: .*IPv4 prefix/);
    const v6InV4 = { wans: [{ name: 'isp1', device: 'wan1', gateway: '2001:db8:1::1' }] };
    assert.match(problems(v6InV4), /wans\[0\]\.gateway: .*IPv6 address: this field takes an IPv4 one/);
  });

  it('refuses bad addresses and prefix lengths, naming the field', () => {
    assert.match(problems(base({ address: 'fe80::2/64' })), /wans\[0\]\.ipv6\.address: .*link-local/);
    assert.match(problems(base({ address: '2001:db8:1::2' })), /wans\[0\]\.ipv6\.address: .*prefix length/);
    assert.match(problems(base({ gateway: 'ff02::1' })), /wans\[0\]\.ipv6\.gateway: .*multicast/);
    assert.match(problems(base({ prefix: '2001:db8:1:100::/72' })), /wans\[0\]\.ipv6\.prefix: .*longer than \/64/);
    assert.match(problems(base({ prefix: '2001:db8:1:100::1/56' })), /wans\[0\]\.ipv6\.prefix: .*host bits/);
  });

  it('lanPrefix is a /64 inside the delegated prefix', () => {
    assert.match(
      problems(base({ prefix: '2001:db8:1:100::/56', lanPrefix: '2001:db8:2:100::/64' })),
      /wans\[0\]\.ipv6\.lanPrefix: .*2001:db8:2:100::\/64 is not inside the delegated prefix/,
    );
    assert.match(problems(base({ lanPrefix: '2001:db8:1:100::/60' })), /wans\[0\]\.ipv6\.lanPrefix: .*expected a \/64/);
  });

  it('NPT needs equal lengths inside and outside, one inside prefix, and a LAN device', () => {
    const lan48 = { lan: [{ device: 'lan0', prefix: 'fd00:77::/48' }] };
    assert.match(
      problems(base({ lanPrefix: '2001:db8:1:100::/64' }, lan48)),
      /ipv6\.lan\[0\]\.prefix: .*NPT maps prefixes of equal length/,
    );
    assert.match(
      problems(base({}, { lan: [{ device: 'eth9', prefix: 'fd00:77::/64' }] })),
      /ipv6\.lan\[0\]\.device: .*eth9 is not a LAN device/,
    );
    const two = {
      ...base({ lanPrefix: '2001:db8:1:100::/64' }),
      lan: [{ device: 'lan0' }, { device: 'lan1' }],
      ipv6: {
        lan: [
          { device: 'lan0', prefix: 'fd00:77::/64' },
          { device: 'lan1', prefix: 'fd00:78::/64' },
        ],
      },
    };
    assert.match(problems(two), /ipv6\.lan: .*nat66 npt maps one inside prefix/);
  });

  it('nat66 belongs to npt mode', () => {
    assert.match(
      problems(base({ nat66: 'masquerade' }, { mode: 'prefixes' })),
      /wans\[0\]\.ipv6\.nat66: .*nat66 applies in ipv6.mode npt only/,
    );
  });
});
