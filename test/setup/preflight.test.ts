// Tests the preflight: it names every missing program in one line, passes when all are there, and reads both lists.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { missingPrograms, parsePackageList, preflightLine, requiredPrograms } from './preflight.ts';

const SCRIPT = fileURLToPath(new URL('./preflight.ts', import.meta.url));

describe('preflight', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mwan-preflight-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('requires what the README promises and the lab runs, from both package lists', () => {
    const programs = requiredPrograms().map((p) => p.program);
    for (const p of ['ip', 'nft', 'conntrack', 'ping', 'socat', 'iptables', 'sysctl', 'miniupnpd', 'upnpc']) {
      assert.ok(programs.includes(p), `${p} is not in the package lists`);
    }
    assert.deepEqual(
      requiredPrograms().find((p) => p.program === 'ping'),
      { program: 'ping', pkg: 'iputils-ping' },
    );
  });

  it('parses "package program[,program]" lines and refuses a line without a program', () => {
    assert.deepEqual(parsePackageList('# c\nutil-linux  flock,setpriv  why # note\n\n'), [
      { program: 'flock', pkg: 'util-linux' },
      { program: 'setpriv', pkg: 'util-linux' },
    ]);
    assert.throws(() => parsePackageList('socat\n'), /"socat" names no program/);
  });

  it('names every program missing from an empty PATH in one line', () => {
    const missing = missingPrograms(requiredPrograms(), dir);
    assert.equal(missing.length, requiredPrograms().length);
    const line = preflightLine(missing) ?? '';
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /^preflight: missing programs: .*\bping \(iputils-ping\).*\bsocat\b/);
    assert.match(line, /bash test\/setup\/install-deps\.sh/);
  });

  it('passes when every program is an executable file on PATH, and not for a non-executable one', () => {
    const required = requiredPrograms();
    for (const { program } of required) writeFileSync(path.join(dir, program), '#!/bin/sh\n', { mode: 0o755 });
    assert.deepEqual(missingPrograms(required, `/nonexistent:${dir}`), []);
    assert.equal(preflightLine([]), undefined);
    chmodSync(path.join(dir, 'socat'), 0o644);
    assert.deepEqual(missingPrograms(required, dir), [{ program: 'socat', pkg: 'socat' }]);
  });

  it('as a script, fails as root with the line and passes with everything on PATH', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const run = (PATH: string) =>
      execa(process.execPath, ['--import', 'tsx', SCRIPT], { env: { PATH }, extendEnv: false, reject: false });
    const bare = await run(dir);
    assert.equal(bare.exitCode, 1);
    assert.match(bare.stderr, /^preflight: missing programs: .*socat/);
    for (const { program } of requiredPrograms()) writeFileSync(path.join(dir, program), '', { mode: 0o755 });
    const full = await run(dir);
    assert.equal(full.exitCode, 0, full.stderr);
    assert.equal(full.stderr, '');
  });
});
