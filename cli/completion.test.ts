// Tests `mwanctl completion bash` by running the script in bash: commands, flags, values, WAN names from `check`.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { COMMAND_SPECS } from './cli-spec.ts';
import { bashCompletion } from './completion.ts';

describe('bash completion', function () {
  this.timeout(60000);
  let dir: string;
  let stub: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mwan-completion-'));
    writeFileSync(path.join(dir, 'script.bash'), bashCompletion());
    // stands in for mwanctl: prints `check` output and records its arguments
    stub = path.join(dir, 'mwanctl-stub');
    writeFileSync(
      stub,
      `#!/bin/sh\necho "$@" > '${dir}/args'\necho 'configuration x is valid (mode balanced)'\necho '  isp1: device eth1, id 1, mark 0x100, table 1001, rules 1/2'\necho '  lte-backup: device wwan0, id 2, mark 0x200, table 1002, rules 3/4'\n`,
    );
    chmodSync(stub, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The completions bash offers for `words`, the last one being the word under the cursor. */
  async function complete(...words: string[]): Promise<string[]> {
    const script = `source '${dir}/script.bash'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mwanctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await execa('bash', ['-c', script], { cwd: dir, timeout: 30000 });
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('registers itself for mwanctl and completes every command', async () => {
    assert.match(bashCompletion(), /^complete -F _mwanctl mwanctl$/m);
    assert.deepEqual(
      await complete('mwanctl', ''),
      [...COMMAND_SPECS.map((c) => c.name), 'help', '-c', '--config', '-h', '--help', '-V', '--version'].sort(),
    );
    assert.deepEqual(await complete('mwanctl', 'st'), ['status', 'stop']);
  });

  it("completes a command's flags and fixed values; --type offers event names without globbing files", async () => {
    assert.deepEqual(await complete('mwanctl', 'status', '-'), [
      '--config',
      '--help',
      '--json',
      '--verbose',
      '-c',
      '-h',
      '-v',
    ]);
    assert.deepEqual(await complete('mwanctl', 'wan', ''), ['down', 'up']);
    assert.deepEqual(await complete('mwanctl', 'completion', ''), ['bash']);
    writeFileSync(path.join(dir, 'wan.offline-file'), ''); // a file `wan.*` would match as a glob
    assert.deepEqual(await complete('mwanctl', 'events', '--type', 'wan.'), [
      'wan.*',
      'wan.admin',
      'wan.degraded',
      'wan.longdown',
      'wan.offline',
      'wan.online',
      'wan.quota',
      'wan.traffic',
    ]);
  });

  it('completes WAN names from the configuration the command line names', async () => {
    assert.deepEqual(await complete(stub, '--config', '/etc/mwan/other.yaml', 'wan', 'down', ''), [
      'isp1',
      'lte-backup',
    ]);
    assert.equal(readFileSync(path.join(dir, 'args'), 'utf8').trim(), '--config /etc/mwan/other.yaml check');
    assert.deepEqual(await complete(stub, 'wan', 'up', 'l'), ['lte-backup']);
  });
});
