// Preflight for `npm test`, the demo and the bench: names in one line each listed program that PATH lacks.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RequiredProgram {
  program: string;
  pkg: string;
}

const SETUP_DIR = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE_LISTS = ['runtime-packages.txt', 'test-packages.txt'].map((f) => path.join(SETUP_DIR, f));

/** Reads "package  program[,program]  why" lines (comments after #) into one entry per program. */
export function parsePackageList(text: string): RequiredProgram[] {
  const out: RequiredProgram[] = [];
  for (const raw of text.split('\n')) {
    const [pkg, programs] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (!pkg) continue;
    if (!programs) throw new Error(`package list line "${raw.trim()}" names no program`);
    for (const program of programs.split(',')) out.push({ program, pkg });
  }
  return out;
}

export function requiredPrograms(lists: string[] = PACKAGE_LISTS): RequiredProgram[] {
  const seen = new Map<string, RequiredProgram>();
  for (const file of lists) for (const p of parsePackageList(readFileSync(file, 'utf8'))) seen.set(p.program, p);
  return [...seen.values()];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The programs found in no directory of `pathEnv`. */
export function missingPrograms(required: RequiredProgram[], pathEnv = process.env.PATH ?? ''): RequiredProgram[] {
  const dirs = pathEnv.split(':').filter((d) => d !== '');
  return required.filter(({ program }) => !dirs.some((d) => isExecutable(path.join(d, program))));
}

/** One line naming each missing program and its Debian package, or undefined when nothing is missing. */
export function preflightLine(missing: RequiredProgram[]): string | undefined {
  if (missing.length === 0) return undefined;
  const names = missing.map((m) => (m.program === m.pkg ? m.program : `${m.program} (${m.pkg})`)).join(', ');
  return `preflight: missing programs: ${names}; install them as root with: bash test/setup/install-deps.sh`;
}

// As a script: exit 1 with the line when run as root (where the lab runs); other users get it as a warning, since the
// tests that need these programs skip without root anyway.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const line = preflightLine(missingPrograms(requiredPrograms()));
  if (line) {
    const root = process.getuid?.() === 0;
    console.error(root ? line : `${line} (not root: lab tests will skip)`);
    if (root) process.exit(1);
  }
}
