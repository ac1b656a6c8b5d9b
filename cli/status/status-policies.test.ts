// Tests the policies part of status: listed only with policies or rules configured, with usable WANs and adaptive weights.
import assert from 'node:assert/strict';
import { formatStatus } from './status-format.ts';
import type { StatusReport } from './status.ts';

const base: StatusReport = { mode: 'balanced', daemon: true, pid: 1, wans: [], lastReconcile: null };

describe('status: policies', () => {
  it('prints each policy in use with its usable WANs, weights and reason', () => {
    const text = formatStatus(
      {
        // -v: the policy line unwrapped
        ...base,
        policies: [
          {
            name: 'fewest',
            strategy: 'least-connections',
            isDefault: true,
            usable: ['isp1', 'isp2'],
            weights: { isp1: 0, isp2: 20 },
            reason: 'open connections isp1 12, isp2 0; 4 expected',
          },
          { name: 'pin1', strategy: 'priority', isDefault: false, usable: [], weights: null, reason: null },
        ],
      },
      Date.now(),
      { verbose: true },
    );
    assert.match(
      text,
      /\npolicies:\n {2}fewest \(least-connections, default rule\): usable isp1, isp2; weights isp1 0, isp2 20 \(open connections isp1 12, isp2 0; 4 expected\)\n {2}pin1 \(priority\): usable none;/,
    );
  });

  it('prints no policies section without policies or rules', () => {
    assert.ok(!formatStatus(base).includes('policies:'));
  });
});
