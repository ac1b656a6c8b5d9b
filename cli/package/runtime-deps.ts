// The production dependencies in node_modules (what `npm ci --omit=dev` installs), read from package-lock.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
}

/**
 * The node_modules/... folders to ship, from the lockfile: every package that is not a dev dependency and is
 * present here (optional packages for other platforms, such as esbuild's, are not). Also left out: `devOptional`
 * ones (typescript: a dev dependency that is only an optional peer of cosmiconfig, whose TypeScript loader mwan
 * does not use; .ts configs and plugins load through tsx).
 */
export function runtimeDependencies(root: string): string[] {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([dir, entry]) => dir.startsWith('node_modules/') && !entry.dev && !entry.devOptional)
    .map(([dir]) => dir)
    .filter((dir) => existsSync(path.join(root, dir, 'package.json')))
    .sort();
}

/** Prebuilt binaries for other platforms (prebuilds/<platform>-<arch>/) are left out of the package. */
export function isOtherPlatformPrebuild(file: string): boolean {
  const m = /(?:^|\/)prebuilds\/([\w-]+)$/.exec(file);
  return m !== null && m[1] !== `${process.platform}-${process.arch}`;
}
