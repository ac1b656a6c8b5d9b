// Tests the status page's forward rows: the target shows `to`, `to6` or both, so an IPv6-only forward is not blank.
import assert from 'node:assert/strict';
import type { WorldView } from '../../plugin-api/index.ts';
import { forwardRows } from './snapshot.ts';

describe('observe status page: forward rows', () => {
  it('shows the IPv4 target, the IPv6 target, or both', () => {
    const world = {
      config: {
        forwards: [
          { name: 'web', port: 80, proto: 'tcp', to: '192.168.1.10:80' },
          { name: 'v6', port: 443, proto: 'tcp', to6: 'fd00::10' },
          { port: '8000-8010', proto: 'both', to: '192.168.1.11', to6: '::11', wans: ['isp1'] },
        ],
      },
    } as unknown as WorldView;
    assert.deepEqual(
      forwardRows(world).map((r) => [r.name, r.port, r.to, r.wans]),
      [
        ['web', '80', '192.168.1.10:80', null],
        ['v6', '443', 'fd00::10', null],
        [null, '8000-8010', '192.168.1.11, ::11', ['isp1']],
      ],
    );
  });
});
