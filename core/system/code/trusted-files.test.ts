// Tests the one trust rule shared by trusted code and the state directory: owner, write bits, root's sticky directories.
import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { trustViolation } from './trusted-files.ts';

const entry = (uid: number, mode: number, dir = true) => ({ uid, mode, isDirectory: () => dir }) as unknown as Stats;

describe('trustViolation', () => {
  it('refuses another owner, and group or other write bits', () => {
    assert.equal(trustViolation(entry(0, 0o755), [0], false), null);
    assert.equal(trustViolation(entry(1000, 0o755), [0], false), 'owner');
    assert.equal(trustViolation(entry(1000, 0o755), [0, 1000], false), null);
    assert.equal(trustViolation(entry(0, 0o775), [0], false), 'writable');
    assert.equal(trustViolation(entry(0, 0o757, false), [0], true), 'writable');
  });

  it('accepts a root-owned sticky directory writable by others only where allowed', () => {
    assert.equal(trustViolation(entry(0, 0o1777), [0], true), null);
    assert.equal(trustViolation(entry(0, 0o1777), [0], false), 'writable');
    assert.equal(trustViolation(entry(1000, 0o1777), [0, 1000], true), 'writable');
  });
});
