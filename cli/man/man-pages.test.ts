// Tests the man pages: the committed ones match their sources, mwanctl.8 names every command, both render cleanly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { COMMAND_SPECS } from '../cli-spec.ts';
import { configPage, markdownToRoff } from './config-page.ts';
import { manPages } from './generate.ts';
import { roffEscape, inline } from './roff.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('man pages', function () {
  this.timeout(60000);

  it('the committed pages are what `npm run man` writes (run it after changing cli-spec.ts or configuration.md)', () => {
    for (const page of manPages())
      assert.equal(readFileSync(`${root}${page.file}`, 'utf8'), page.text, `${page.file} is stale: run npm run man`);
  });

  it('mwanctl.8 names every command and flag; mwan.yaml.5 every top-level field', () => {
    const [mwanctl, config] = manPages().map((p) => p.text);
    for (const c of COMMAND_SPECS) assert.match(mwanctl, new RegExp(`^\\.TP\\n\\\\fB${c.name}\\\\fR`, 'm'), c.name);
    for (const flag of ['config', 'json', 'verbose', 'print', 'confirm', 'type', 'text', 'root'])
      assert.ok(mwanctl.includes(`\\fB\\-\\-${flag}\\fR`), flag);
    for (const field of ['mode', 'wans', 'lan', 'kernel', 'health', 'policies', 'rules', 'defaultPolicy'])
      assert.match(config, new RegExp(`\\\\fB${field}\\\\fR`), field);
    assert.match(config, /^\.SH "WANS: WANS\[\]"$/m);
    assert.match(
      config,
      /^\.TP\n\\fBwans\[\]\.weight\\fR\nDefault: \\fB1\\fR\. 1\\\[u2013\]1000: share of new connections$/m,
    );
  });

  it('refuses a configuration.md that misses a schema field', () => {
    assert.throws(() => configPage('1', '## x\n`mode`\n', ['mode', 'wans']), /does not describe wans/);
  });

  it('escapes roff: requests at line starts, backslashes, hyphens, non-ASCII; markdown code, links and lists', () => {
    assert.equal(roffEscape('.x \\ a-b –'), '\\&.x \\e a\\-b \\[u2013]');
    assert.equal(inline('see [health.md](health.md) and `--config`'), 'see health.md and \\fB\\-\\-config\\fR');
    assert.deepEqual(markdownToRoff('- one\n  more\n\n```\n.dot\n```'), [
      '.IP \\(bu 2',
      'one more',
      '.RS 4\n.nf',
      '\\&.dot',
      '.fi\n.RE',
    ]);
  });

  it('man -l renders both without a groff warning', async function () {
    // groff-base and man-db come with test/setup/install-deps.sh; without them this says why and skips.
    if ((await execa('sh', ['-c', 'command -v groff && command -v man'], { reject: false })).exitCode !== 0) {
      console.log('      skipped: groff or man is not installed (bash test/setup/install-deps.sh installs them)');
      this.skip();
    }
    for (const page of ['man/mwanctl.8', 'man/mwan.yaml.5']) {
      const r = await execa('groff', ['-ww', '-man', '-Tutf8', '-z', `${root}${page}`], { reject: false });
      assert.deepEqual([r.exitCode, r.stderr], [0, ''], page);
      const shown = await execa('man', ['-l', `${root}${page}`], {
        env: { MANPAGER: 'cat', MANWIDTH: '80' },
        reject: false,
      });
      assert.equal(shown.exitCode, 0, page);
      assert.match(
        shown.stdout,
        page.endsWith('.8') ? /MWANCTL\(8\)[\s\S]*COMMANDS[\s\S]*completion shell/ : /MWAN\.YAML\(5\)[\s\S]*TOP LEVEL/,
      );
    }
  });
});
