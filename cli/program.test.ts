// Tests mwanctl's argument parsing as a user meets it: exit 2 and one line for usage errors, --help, --version, EPIPE.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { COMMAND_SPECS } from './cli-spec.ts';

const launcher = fileURLToPath(new URL('./mwanctl.js', import.meta.url));
const config = fileURLToPath(new URL('../config/seed-000-three-nat-links.yaml', import.meta.url));
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** stderr without the launcher's note that it runs the sources (a stale bundle in a checkout). */
const clean = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l && !/running the TypeScript sources through tsx/.test(l))
    .join('\n');

async function mwanctl(...args: string[]) {
  const r = await execa(process.execPath, [launcher, ...args], { reject: false, timeout: 60000 });
  return { code: r.exitCode, stdout: r.stdout, stderr: clean(r.stderr) };
}

describe('mwanctl argument parsing', function () {
  this.timeout(180000);

  it('exits 2 with one line naming the problem on every usage error', async () => {
    const cases: [string[], RegExp][] = [
      [['bogus'], /^mwanctl: unknown command 'bogus'$/],
      [['status', '--bogus'], /^mwanctl: unknown option '--bogus'$/],
      [['stauts'], /^mwanctl: unknown command 'stauts' \(Did you mean status\?\)$/],
      [
        ['wan', 'sideways', 'isp1'],
        /^mwanctl: .*'sideways' is invalid for argument 'action'\. Allowed choices are down, up\.$/,
      ],
      [['wan', 'down'], /^mwanctl: missing required argument 'name'$/],
      [['check', 'extra'], /^mwanctl: too many arguments for 'check'/],
      [
        ['apply', '--confirm', '0'],
        /^mwanctl: option '--confirm <seconds>' argument '0' is invalid\. expected a number of seconds \(1-3600\)\.$/,
      ],
      [['events', '--type', 'wan/*'], /^mwanctl: option '--type <glob>' argument 'wan\/\*' is invalid/],
      [['completion', 'fish'], /^mwanctl: .*'fish' is invalid for argument 'shell'/],
      [['--config'], /^mwanctl: option '-c, --config <file>' argument missing$/],
    ];
    const results = await Promise.all(cases.map(([args]) => mwanctl(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
  });

  it('without a command prints the usage on stderr and exits 2', async () => {
    const r = await mwanctl();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Usage: mwanctl \[options\] \[command\]/);
  });

  it('--help lists every command and the exit statuses; COMMAND --help and help COMMAND show its flags', async () => {
    const top = await mwanctl('--help');
    assert.equal(top.code, 0);
    for (const c of COMMAND_SPECS) assert.match(top.stdout, new RegExp(`^  ${c.name}\\b`, 'm'), c.name);
    assert.match(top.stdout, /Exit status:\n {2}0 success; 2 invalid configuration or usage/);
    const status = await mwanctl('status', '--help');
    assert.equal(status.code, 0);
    assert.match(status.stdout, /^Usage: mwanctl status \[options\]/);
    assert.match(status.stdout, /--json +print the report as JSON/);
    assert.match(status.stdout, /-v, --verbose/);
    const viaHelp = await mwanctl('help', 'events');
    assert.equal(viaHelp.code, 0);
    assert.match(viaHelp.stdout, /--type <glob>[\s\S]*--text/);
  });

  it("--version prints package.json's version", async () => {
    for (const flag of ['--version', '-V']) {
      const r = await mwanctl(flag);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, version, '']);
    }
  });

  it('takes --config before or after the command (the installed wrapper puts it first)', async () => {
    for (const args of [
      ['--config', config, 'check'],
      ['check', '--config', config],
      ['check', '-c', config],
    ]) {
      const r = await mwanctl(...args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^configuration .* is valid \(mode balanced\)/);
    }
  });

  it('a reader that goes away ends it quietly: no stack trace for EPIPE', async () => {
    for (const [args, reader] of [
      [`--config '${config}' check`, 'head -1'],
      ['help', 'head -1'],
      ['--help', 'head -0'],
    ]) {
      // head -0 exits before mwanctl writes anything, so the write meets a closed pipe
      const r = await execa(
        'bash',
        ['-c', `'${process.execPath}' '${launcher}' ${args} | ${reader}; exit \${PIPESTATUS[0]}`],
        { reject: false, timeout: 60000 },
      );
      // check's warnings (devices this machine lacks, WANs without probes) are not failures
      assert.equal(clean(r.stderr).replace(/^mwanctl: warning: .*\n?/gm, ''), '', `${args} | ${reader}`);
      assert.equal(r.exitCode, 0, `${args} | ${reader}`);
      if (reader === 'head -1')
        assert.match(r.stdout, /^\S.*$/, args); // one line came through
      else assert.equal(r.stdout, '');
    }
  });
});
