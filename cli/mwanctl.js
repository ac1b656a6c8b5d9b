#!/usr/bin/env node
// mwanctl launcher: runs the prebuilt bundle while its build stamp matches the sources; otherwise says so and runs the sources through tsx, or refuses when installed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// First, before anything can load tsx (its loader thread copies the environment once): no transform cache (tsx keeps
// it in $TMPDIR/tsx-<uid>, which anyone may create first and fill with code) and a fixed tsconfig, not the one in
// the working directory. core/plugin/trusted-code.ts sets the same for other entry paths.
process.env.TSX_DISABLE_CACHE = '1';
process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../core/plugin/tsconfig.plugins.json', import.meta.url));

const STAMP_MARK = '\n//# mwan-build-stamp '; // written by build-bundle.mjs
const bundle = new URL('./mwanctl.bundle.mjs', import.meta.url);
const root = new URL('../', import.meta.url);
const bundleName = 'cli/mwanctl.bundle.mjs';

/** Why the bundle may not run (missing, no stamp, a source file changed or gone), or null when it matches the sources. */
function staleness() {
  let text;
  try {
    text = readFileSync(bundle, 'utf8');
  } catch {
    return `${bundleName} is missing`;
  }
  const at = text.lastIndexOf(STAMP_MARK);
  let inputs;
  try {
    inputs = JSON.parse(text.slice(at + STAMP_MARK.length)).inputs;
  } catch {
    inputs = undefined;
  }
  if (at < 0 || !inputs) return `${bundleName} carries no build stamp`;
  for (const [file, hash] of Object.entries(inputs)) {
    let content;
    try {
      content = readFileSync(new URL(file, root));
    } catch {
      return `${bundleName} is stale: ${file}, one of its sources, is gone`;
    }
    if (createHash('sha256').update(content).digest('hex') !== hash)
      return `${bundleName} is stale: ${file} changed since it was built`;
  }
  return null;
}

const stale = staleness();
if (!stale) {
  await import(bundle.href);
} else if (process.env.MWANCTL_INSTALLED === '1') {
  // Set by the wrapper `mwanctl install` writes: an installed mwanctl runs only the bundle it was built as.
  process.stderr.write(
    `mwanctl: refusing to run: ${stale}; the installed mwanctl runs only an up-to-date bundle: run \`npm run build\` in ${fileURLToPath(root)}\n`,
  );
  process.exitCode = 1;
} else {
  process.stderr.write(
    `mwanctl: ${stale}; running the TypeScript sources through tsx instead (slower start; \`npm run build\` rebuilds the bundle)\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
