// Tests the configuration's error text: one line per issue, the field path with array indexes, the value shortened; the nearest name.
import assert from 'node:assert/strict';
import { closest, editDistance, formatIssues } from './issues.ts';
import { coreConfigSchema as configSchema } from './schema.ts';

describe('formatIssues', () => {
  it('writes one "path: got value; rule" line per issue, with array indexes in brackets', () => {
    const result = configSchema.safeParse(
      { wans: [{ name: 'isp1', device: 'wan1', probes: [{ target: 'a b' }] }], kernel: { tableBase: 0 } },
      { reportInput: true },
    );
    assert.equal(result.success, false);
    const lines = formatIssues(result.error!.issues).split('\n');
    assert.equal(lines.length, 2);
    assert.ok(
      lines.some((l) => l.startsWith('wans[0].probes[0].target: got "a b"; ')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('kernel.tableBase: got 0; ')),
      lines.join('\n'),
    );
  });

  it('shortens a long bad value', () => {
    const long = 'x'.repeat(200);
    const result = configSchema.safeParse(
      { wans: [{ name: 'isp1', device: 'wan1' }], stateDir: long },
      { reportInput: true },
    );
    const line = formatIssues(result.error!.issues);
    assert.ok(line.startsWith('stateDir: got "xxx'));
    assert.ok(line.includes('...'));
    assert.ok(line.length < 150, line);
  });
});

describe('did you mean', () => {
  it('editDistance and closest find a near name, and nothing for a far one', () => {
    assert.equal(editDistance('upnpp', 'upnp'), 1);
    assert.equal(editDistance('flowmover', 'flow-mover'), 1);
    assert.equal(closest('evnt-scripts', ['mail', 'event-scripts']), 'event-scripts');
    assert.equal(closest('kubernetes', ['mail', 'upnp']), undefined);
  });
});
