// Tests lease-file parsing: miniupnpd 2.3.1's lines, descriptions with colons, expiry, duplicates, lines that are not leases.
import assert from 'node:assert/strict';
import { describeMapping, parseLeaseLine, parseLeases } from './leases.ts';

const NOW = 1_795_452_754;

describe('upnp lease file', () => {
  it('parses the lines miniupnpd 2.3.1 writes (protocol, external port, host, port, end of lease, description)', () => {
    const text = 'TCP:9000:10.77.0.2:9000:1796057550:libminiupnpc\nUDP:9300:10.77.0.2:9200:1795456354:my desc\n';
    assert.deepEqual(parseLeases(text, NOW), {
      mappings: [
        { proto: 'tcp', externalPort: 9000, address: '10.77.0.2', port: 9000, expires: 1796057550, description: 'libminiupnpc' },
        { proto: 'udp', externalPort: 9300, address: '10.77.0.2', port: 9200, expires: 1795456354, description: 'my desc' },
      ],
      rejected: [],
    });
  });

  it('keeps colons inside the description; 0 as the end means the lease never ends', () => {
    assert.deepEqual(parseLeaseLine('UDP:3074:10.0.0.9:3074:0:Xbox: party chat'), {
      proto: 'udp', externalPort: 3074, address: '10.0.0.9', port: 3074, expires: 0, description: 'Xbox: party chat',
    });
    assert.equal(parseLeaseLine('TCP:80:10.0.0.9:8080:0:')?.description, '');
  });

  it('leaves out leases that have ended; a later line for the same protocol and port replaces the earlier one', () => {
    const text = [
      `TCP:1000:10.0.0.2:1000:${NOW - 1}:ended`,
      `TCP:1001:10.0.0.2:1001:${NOW}:ends now`,
      `TCP:2000:10.0.0.2:2000:${NOW + 60}:old`,
      `UDP:2000:10.0.0.3:2000:0:other protocol`,
      `TCP:2000:10.0.0.4:2001:${NOW + 60}:new`,
    ].join('\n');
    const { mappings } = parseLeases(text, NOW);
    assert.deepEqual(mappings.map(describeMapping), ['tcp 2000 → 10.0.0.4:2001', 'udp 2000 → 10.0.0.3:2000']);
  });

  it('rejects lines that are not leases rather than let them reach nft', () => {
    const bad = [
      'TCP:9000:10.0.0.2:9000', // too few fields
      'SCTP:9000:10.0.0.2:9000:0:x',
      'TCP:0:10.0.0.2:9000:0:x',
      'TCP:70000:10.0.0.2:9000:0:x',
      'TCP:9000:10.0.0.256:9000:0:x',
      'TCP:9000:10.0.0.2 drop; :9000:0:x',
      'TCP:9000:fd00::2:9000:0:x',
      'TCP:09000:10.0.0.2:9000:0:x',
      'TCP:9000:10.0.0.2:9000:soon:x',
    ];
    const { mappings, rejected } = parseLeases(`${bad.join('\n')}\n\nTCP:9000:10.0.0.2:9000:0:good\n`, NOW);
    assert.deepEqual(rejected, bad);
    assert.deepEqual(mappings.map(describeMapping), ['tcp 9000 → 10.0.0.2:9000']);
  });

  it('an empty or missing file means no mappings', () => {
    assert.deepEqual(parseLeases('', NOW), { mappings: [], rejected: [] });
  });
});
