// Finds mwan's package root (the folder of its package.json) from any file in it, so sources and the CLI bundle agree.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/** The package root: the nearest folder above this module whose package.json is mwan's. */
export function packageRoot(): string {
  if (found) return found;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'mwan') return (found = dir);
    } catch {
      /* not here: go up */
    }
    if (dir === path.dirname(dir))
      throw new Error(`mwan's package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** A file of the package, by its path from the package root. */
export const packageFile = (relative: string): string => path.join(packageRoot(), relative);
