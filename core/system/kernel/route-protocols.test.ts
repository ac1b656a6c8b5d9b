// Tests the routeProtocol check: the kernel's values, names in rt_protos and rt_protos.d/*.conf (files injected), hex numbers and comments.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRouteProtocol, namedProtocols, parseRtProtos } from './route-protocols.ts';

describe('kernel.routeProtocol must be free', () => {
  let etc: string;
  let usr: string;
  before(() => {
    etc = mkdtempSync(join(tmpdir(), 'mwan-rtp-etc-'));
    usr = mkdtempSync(join(tmpdir(), 'mwan-rtp-usr-'));
    writeFileSync(
      join(etc, 'rt_protos'),
      '#\n# Reserved protocols.\n0\tunspec\n4\tstatic\n12\tbird\n0xba bgp  # 186\n',
    );
    mkdirSync(join(etc, 'rt_protos.d'));
    writeFileSync(join(etc, 'rt_protos.d', 'frr.conf'), '249 frr-owned\n');
    writeFileSync(join(etc, 'rt_protos.d', 'README'), '250 not-read (not a .conf)\n');
    writeFileSync(join(usr, 'rt_protos'), '251\tvendor\n');
  });
  after(() => {
    rmSync(etc, { recursive: true, force: true });
    rmSync(usr, { recursive: true, force: true });
  });

  it('parses numbers (decimal and hex) and names, skipping comments', () => {
    assert.deepEqual(
      parseRtProtos('# x\n12 bird\n0xba\tbgp # c\n\nrubbish\n', 'f').map((p) => [p.value, p.name, p.line]),
      [
        [12, 'bird', 2],
        [186, 'bgp', 3],
      ],
    );
  });

  it('reads rt_protos and rt_protos.d/*.conf of every place, and only .conf files', async () => {
    const named = await namedProtocols([etc, usr]);
    assert.deepEqual(
      named.map((p) => p.value).sort((a, b) => a - b),
      [0, 4, 12, 186, 249, 251],
    );
  });

  it('refuses 0-4 naming the field, the value and the kernel name', async () => {
    for (const [v, name] of [
      [0, 'unspec'],
      [2, 'kernel'],
      [3, 'boot'],
      [4, 'static'],
    ] as const) {
      await assert.rejects(checkRouteProtocol(v, []), (e: Error) =>
        e.message.startsWith(`kernel.routeProtocol: ${v} is the kernel's "${name}"`),
      );
    }
  });

  it('refuses a value named in rt_protos.d, naming the file and the name', async () => {
    await assert.rejects(
      checkRouteProtocol(249, [etc, usr]),
      (e: Error) =>
        e.message.includes('kernel.routeProtocol: 249 is named "frr-owned"') &&
        e.message.includes(join(etc, 'rt_protos.d', 'frr.conf')),
    );
    await assert.rejects(
      checkRouteProtocol(186, [etc, usr]),
      /kernel\.routeProtocol: 186 is named "bgp" in .*rt_protos \(line 6\)/,
    );
    await assert.rejects(checkRouteProtocol(251, [etc, usr]), (e: Error) => e.message.includes(join(usr, 'rt_protos')));
  });

  it('accepts a free value, a README in rt_protos.d and missing places', async () => {
    await checkRouteProtocol(250, [etc, usr, join(etc, 'missing')]);
    await checkRouteProtocol(249, [join(etc, 'missing')]);
  });
});
