// Tests that no plugin source imports a module with side effects (processes, sockets, files, mail): they go through ctx.system.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PLUGINS = fileURLToPath(new URL('.', import.meta.url));
/** Modules only core/system may import. */
const FORBIDDEN = ['execa', 'child_process', 'net', 'dgram', 'fs', 'fs/promises', 'nodemailer', 'http', 'https'];

/** Every module specifier `text` imports: static, type-only, re-exported, dynamic `import('…')` and `require('…')`. */
function importedModules(text: string): string[] {
  const out: string[] = [];
  for (const re of [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ]) {
    for (const m of text.matchAll(re)) out.push(m[1]);
  }
  return out;
}

const forbidden = (spec: string) => FORBIDDEN.includes(spec.replace(/^node:/, ''));

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('plugins and side effects', () => {
  it('finds every form of import (the check below can fail)', () => {
    const text = [
      "import { execa } from 'execa';",
      "import type { Socket } from 'node:net';",
      "import * as fs from 'node:fs';",
      "import 'node:dgram';",
      "export { spawn } from 'node:child_process';",
      "const m = await import('nodemailer');",
      "const f = require('fs/promises');",
      "import path from 'node:path';",
    ].join('\n');
    assert.deepEqual(importedModules(text).filter(forbidden), [
      'execa',
      'node:net',
      'node:fs',
      'node:child_process',
      'node:dgram',
      'nodemailer',
      'fs/promises',
    ]);
  });

  it('no plugin source imports execa, child_process, net, dgram, fs or nodemailer', async () => {
    const files = await sources(PLUGINS);
    assert.ok(files.length > 20, `found only ${files.length} plugin sources`);
    const found: string[] = [];
    for (const file of files) {
      for (const spec of importedModules(await readFile(file, 'utf8')).filter(forbidden))
        found.push(`${path.relative(PLUGINS, file)} imports ${spec}`);
    }
    assert.deepEqual(found, [], 'side effects go through ctx.system (core/system/system.ts)');
  });
});
