// Tests the lease file: strict reading of miniupnpd 2.3.1's lines (end and description only), and the clean lines mwan writes back.
import assert from 'node:assert/strict';
import { MAX_WRITTEN_LINE, leaseDetails, parseLeaseLine, renderLeaseFile, sanitizeDescription } from './leases.ts';
import type { Mapping } from './mapping.ts';

const NOW = 1_795_452_754;
const game: Mapping = { proto: 'tcp', externalPort: 9000, address: '10.77.0.2', port: 9000 };

describe('upnp lease file', () => {
  it('reads the lines miniupnpd 2.3.1 writes (protocol, external port, host, port, end of lease, description)', () => {
    assert.deepEqual(parseLeaseLine('TCP:9000:10.77.0.2:9000:1796057550:libminiupnpc'), {
      proto: 'tcp',
      externalPort: 9000,
      address: '10.77.0.2',
      port: 9000,
      expires: 1796057550,
      description: 'libminiupnpc',
    });
    assert.deepEqual(
      parseLeaseLine('UDP:3074:10.0.0.9:3074:0:Xbox: party chat'),
      {
        proto: 'udp',
        externalPort: 3074,
        address: '10.0.0.9',
        port: 3074,
        expires: 0,
        description: 'Xbox: party chat',
      },
      'colons stay in the description',
    );
  });

  it('names the field of a line that is not a lease', () => {
    const cases: [string, RegExp][] = [
      ['TCP:9000:10.0.0.2:9000', /4 fields, expected 6/],
      ['SCTP:9000:10.0.0.2:9000:0:x', /protocol "SCTP"/],
      ['tcp:9000:10.0.0.2:9000:0:x', /protocol "tcp"/],
      ['TCP:0:10.0.0.2:9000:0:x', /external port "0"/],
      ['TCP:09000:10.0.0.2:9000:0:x', /external port "09000"/],
      ['TCP:9000:10.0.0.256:9000:0:x', /internal address "10\.0\.0\.256"/],
      ['TCP:9000:10.0.0.2 drop; :9000:0:x', /internal address "10\.0\.0\.2 drop; "/],
      ['TCP:9000:10.0.0.2:70000:0:x', /internal port "70000"/],
      ['TCP:9000:10.0.0.2:9000:soon:x', /end of lease "soon"/],
      ['TCP:9000:10.0.0.2:9000:99999999999:x', /end of lease "99999999999"/],
      [`TCP:9000:10.0.0.2:9000:0:${'x'.repeat(2000)}`, /longer than 1024 characters/],
    ];
    for (const [line, reason] of cases) assert.match(String(parseLeaseLine(line)), reason, line.slice(0, 60));
  });

  it('takes end and description per exact mapping; where lines repeat a mapping the latest end wins (0 = no end)', () => {
    const text = [
      `TCP:9000:10.77.0.2:9000:${NOW + 60}:first`,
      `TCP:9000:10.77.0.2:9000:${NOW + 30}:shorter`,
      'TCP:9000:10.77.0.3:9000:0:other host',
      'not a lease',
    ].join('\n');
    const d = leaseDetails(text);
    assert.deepEqual(d.get('tcp:9000:10.77.0.2:9000'), { expires: NOW + 60, description: 'first' });
    assert.deepEqual(d.get('tcp:9000:10.77.0.3:9000'), { expires: 0, description: 'other host' });
    assert.equal(d.size, 2);
    assert.deepEqual(
      leaseDetails(`${text}\nTCP:9000:10.77.0.2:9000:0:forever`).get('tcp:9000:10.77.0.2:9000')?.expires,
      0,
    );
  });

  it("writes one clean line per accepted mapping: no control characters, bounded for miniupnpd's 128-byte reader, ended leases left out", () => {
    const details = leaseDetails(
      `TCP:9000:10.77.0.2:9000:${NOW + 60}:game\tnight ${'y'.repeat(200)}\nUDP:3074:10.77.0.9:3074:${NOW - 1}:ended\n`,
    );
    const ended: Mapping = { proto: 'udp', externalPort: 3074, address: '10.77.0.9', port: 3074 };
    const unknown: Mapping = { proto: 'udp', externalPort: 5000, address: '10.77.0.4', port: 5001 };
    const text = renderLeaseFile([game, ended, unknown], details, NOW);
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 2);
    assert.match(lines[0], new RegExp(`^TCP:9000:10\\.77\\.0\\.2:9000:${NOW + 60}:game\\?night y+$`));
    assert.equal(lines[0].length, MAX_WRITTEN_LINE);
    assert.equal(lines[1], 'UDP:5000:10.77.0.4:5001:0:', 'nothing known: no end, no description');
    for (const l of lines) assert.ok(l.length < 127, l);
  });

  it('a description with a newline never becomes a second line', () => {
    assert.equal(sanitizeDescription('x\nTCP:6000:10.77.0.3:22:0:injected', 100), 'x?TCP:6000:10.77.0.3:22:0:injected');
    assert.equal(sanitizeDescription('  a\r\u0000b\u00e9  ', 100), 'a??b?');
    assert.equal(sanitizeDescription('abcdef', 3), 'abc');
    const written = renderLeaseFile(
      [game],
      leaseDetails('TCP:9000:10.77.0.2:9000:0:x\rTCP:6000:10.77.0.3:22:0:y'),
      NOW,
    );
    assert.equal(written.split('\n').length, 2, written);
  });
});
