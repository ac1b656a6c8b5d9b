// Stages the Debian package's file tree: the bundle and its runtime node_modules in /usr/lib/mwan, the wrapper, the unit, the hooks, the config, docs and man pages.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_CONFIG, HOOKS, hookText, readHookSources, unitText, wrapperText } from '../install.ts';
import { isOtherPlatformPrebuild, runtimeDependencies } from './runtime-deps.ts';

/** Where the package puts mwan's program files, its wrapper and its unit. */
export const LIB_DIR = '/usr/lib/mwan';
export const WRAPPER = '/usr/sbin/mwanctl';
export const UNIT = '/usr/lib/systemd/system/mwan.service';
export const DOC_DIR = '/usr/share/doc/mwan';
/**
 * Where generated man pages are looked for (from the package root): every `NAME.N` file there (N = 1–8, e.g.
 * mwanctl.8, mwan.yaml.5) goes to /usr/share/man/manN/NAME.N.gz. None there: the package has no man pages.
 */
export const MAN_PAGES_DIR = 'man';
const ADDON = 'core/system/probes/native/build/Release/mwan_icmp.node';
const BUNDLE = 'cli/mwanctl.bundle.mjs';
const STAMP_MARK = '\n//# mwan-build-stamp '; // written by cli/build-bundle.mjs

/** The package's launcher: the package ships no sources, so it runs the bundle (nothing to compile, nothing to go stale). */
const LAUNCHER = [
  '#!/usr/bin/env node',
  '// mwanctl launcher of the Debian package: runs the bundle; tsx (for .ts configs and plugins) without its disk cache.',
  "import { fileURLToPath } from 'node:url';",
  "process.env.TSX_DISABLE_CACHE = '1';",
  "process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../core/plugin/tsconfig.plugins.json', import.meta.url));",
  "await import('./mwanctl.bundle.mjs');",
  '',
].join('\n');

/** Throws unless the bundle exists and its build stamp matches every source it was built from. */
export function assertFreshBundle(root: string): void {
  const text = readFileSync(path.join(root, BUNDLE), 'utf8');
  const at = text.lastIndexOf(STAMP_MARK);
  if (at < 0) throw new Error(`${BUNDLE} carries no build stamp: run \`npm run build\``);
  const { inputs } = JSON.parse(text.slice(at + STAMP_MARK.length)) as { inputs: Record<string, string> };
  for (const [file, hash] of Object.entries(inputs)) {
    const content = existsSync(path.join(root, file)) ? readFileSync(path.join(root, file)) : null;
    if (!content || createHash('sha256').update(content).digest('hex') !== hash) {
      throw new Error(`${BUNDLE} is stale (${file} changed or is gone): run \`npm run build\``);
    }
  }
}

function put(stage: string, file: string, text: string | Buffer, mode: number): void {
  const target = path.join(stage, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text, { mode });
  chmodSync(target, mode);
}

function copy(stage: string, from: string, to: string, filter?: (source: string) => boolean): void {
  mkdirSync(path.dirname(path.join(stage, to)), { recursive: true });
  cpSync(from, path.join(stage, to), { recursive: true, dereference: true, filter });
}

/** Owner-independent modes: directories 0755, files 0755 when executable, else 0644 (dpkg-deb sets root:root). */
function normalizeModes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      chmodSync(p, 0o755);
      normalizeModes(p);
    } else if (entry.isFile()) {
      chmodSync(p, statSync(p).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/** Stages the package's files under `stage` (an empty folder); returns the conffiles (every file under /etc). */
export async function stageTree(root: string, stage: string): Promise<string[]> {
  assertFreshBundle(root);
  if (!existsSync(path.join(root, ADDON)))
    throw new Error(`${ADDON} is not built: install g++, make and python3, then \`npm run build\``);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lib = (f: string) => path.join(LIB_DIR, f);

  // /usr/lib/mwan: package.json (the package root the bundle looks for), the bundle, its launcher, the addon, the deps.
  const { name, version, description, license, type, engines } = pkg;
  put(
    stage,
    lib('package.json'),
    `${JSON.stringify({ name, version, description, license, type, engines, private: true }, null, 2)}\n`,
    0o644,
  );
  copy(stage, path.join(root, BUNDLE), lib(BUNDLE));
  put(stage, lib('cli/mwanctl.js'), LAUNCHER, 0o755);
  copy(stage, path.join(root, 'core/plugin/tsconfig.plugins.json'), lib('core/plugin/tsconfig.plugins.json'));
  copy(stage, path.join(root, ADDON), lib(ADDON));
  copy(stage, path.join(root, 'hooks'), lib('hooks'));
  // The status page the observe plugin serves (uPlot comes with the runtime node_modules below).
  copy(stage, path.join(root, 'plugins/observe/page'), lib('plugins/observe/page'));
  for (const dep of runtimeDependencies(root)) {
    const from = path.join(root, dep);
    const nested = path.join(from, 'node_modules');
    copy(stage, from, lib(dep), (source) => source !== nested && !isOtherPlatformPrebuild(source));
  }

  // The wrapper, the unit and the hooks: the texts `mwanctl install` writes, with the package's paths and no install marker.
  const launcher = lib('cli/mwanctl.js');
  put(
    stage,
    WRAPPER,
    wrapperText({ nodes: ['/usr/bin/node', '/usr/local/bin/node'], launcher, config: DEFAULT_CONFIG, marker: false }),
    0o755,
  );
  put(stage, UNIT, unitText(WRAPPER, DEFAULT_CONFIG, false), 0o644);
  const sources = await readHookSources(root);
  for (const h of HOOKS)
    put(stage, h.file, hookText(sources.get(h.source) ?? '', WRAPPER, DEFAULT_CONFIG, false), 0o755);
  put(stage, DEFAULT_CONFIG, readFileSync(path.join(root, 'cli/package/etc-config.yaml')), 0o640);

  // Docs, examples, copyright and the man pages (if generated).
  for (const f of [
    'README.md',
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ]) {
    copy(stage, path.join(root, f), path.join(DOC_DIR, path.basename(f)));
  }
  copy(stage, path.join(root, 'config'), path.join(DOC_DIR, 'examples'));
  put(stage, path.join(DOC_DIR, 'copyright'), COPYRIGHT, 0o644);
  const manDir = path.join(root, MAN_PAGES_DIR);
  for (const page of existsSync(manDir) ? readdirSync(manDir) : []) {
    const section = /^[\w.-]+\.([1-8])$/.exec(page)?.[1];
    if (section)
      put(
        stage,
        `/usr/share/man/man${section}/${page}.gz`,
        gzipSync(readFileSync(path.join(manDir, page)), { level: 9 }),
        0o644,
      );
  }
  normalizeModes(stage);
  chmodSync(stage, 0o755); // the package's ./ (a temporary folder is 0700)
  chmodSync(path.join(stage, DEFAULT_CONFIG), 0o640); // may hold a mail password (notifications)
  return [DEFAULT_CONFIG, ...HOOKS.map((h) => h.file)];
}

const COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: mwan

Files: *
Copyright: the mwan authors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
 documentation files (the "Software"), to deal in the Software without restriction, including without limitation
 the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
 permit persons to whom the Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or substantial portions of
 the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
 THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
 CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 IN THE SOFTWARE.
`;
