// `mwanctl ha`: only master, backup or fault, an absolute socket and a sane --at go to the daemon.
import assert from 'node:assert/strict';
import { haCommand } from './ha-command.ts';

describe('mwanctl ha', () => {
  const stderr = process.stderr.write.bind(process.stderr);
  let written = '';
  beforeEach(() => {
    written = '';
    process.stderr.write = ((s: string) => {
      written += s;
      return true;
    }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = stderr;
  });

  it('refuses another role, a relative socket or a bad --at with exit 2, naming what is wrong', async () => {
    assert.equal(await haCommand({ args: ['primary'], socket: '/run/x.sock' }), 2);
    assert.match(written, /expected master, backup or fault, got "primary"/);
    assert.equal(await haCommand({ args: ['master'], socket: 'x.sock' }), 2);
    assert.match(written, /--socket: expected an absolute path/);
    assert.equal(await haCommand({ args: ['master'], socket: '/run/x.sock', at: 'soon' }), 2);
    assert.match(written, /--at: expected nanoseconds/);
  });
});
