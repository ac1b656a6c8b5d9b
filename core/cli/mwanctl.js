#!/usr/bin/env node
// mwanctl launcher: runs the prebuilt bundle when it is newer than every source file, else the TypeScript sources through tsx.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('./mwanctl.bundle.mjs', import.meta.url);
const sourceDirs = ['../../core', '../../plugins'].map((d) => fileURLToPath(new URL(d, import.meta.url)));

/** The newest modification time of the TypeScript sources (tests excluded). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return sourceDirs.every((d) => newestSource(d) <= built);
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
