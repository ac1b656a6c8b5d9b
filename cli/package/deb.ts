// `npm run deb`: builds the Debian package (mwan_<version>_<arch>.deb) with dpkg-deb from the built bundle and addon; prints its path, size and file count.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../core/system/package-root.ts';
import { controlText, MAINTAINER_SCRIPTS } from './deb-control.ts';
import { stageTree } from './deb-tree.ts';

export interface BuiltDeb {
  file: string;
  bytes: number;
  files: number;
}

/** Total size in KiB (rounded up per file, as dpkg counts Installed-Size) and count of the files under `dir`. */
function measure(dir: string): { kib: number; files: number } {
  let kib = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    kib += Math.ceil(statSync(path.join(entry.parentPath, entry.name)).size / 1024);
    files++;
  }
  return { kib, files };
}

/** Stages the tree in a temporary folder and builds the .deb into `outDir`. */
export async function buildDeb(outDir: string, root = packageRoot()): Promise<BuiltDeb> {
  const stage = mkdtempSync(path.join(os.tmpdir(), 'mwan-deb-'));
  try {
    const conffiles = await stageTree(root, stage);
    const { kib, files } = measure(stage);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
      description: string;
    };
    const architecture = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const description = `${pkg.description}\n${DESCRIPTION}`;
    mkdirSync(path.join(stage, 'DEBIAN'), { mode: 0o755 });
    writeFileSync(
      path.join(stage, 'DEBIAN/control'),
      controlText({ version: pkg.version, architecture, installedSizeKiB: kib, description }),
    );
    writeFileSync(path.join(stage, 'DEBIAN/conffiles'), `${conffiles.join('\n')}\n`);
    for (const [name, text] of Object.entries(MAINTAINER_SCRIPTS))
      writeFileSync(path.join(stage, 'DEBIAN', name), text, { mode: 0o755 });
    mkdirSync(outDir, { recursive: true });
    const file = path.resolve(outDir, `mwan_${pkg.version}_${architecture}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, file], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { file, bytes: statSync(file).size, files };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const DESCRIPTION = `mwan spreads new connections over several uplinks (weights, failover tiers, adaptive
strategies), watches each uplink with health probes and takes a failing one out of service. The kernel
(nftables, ip rules, conntrack) carries the traffic; the mwan daemon only programs it, and the kernel state
stays in place when the daemon stops unexpectedly.

Includes the mwanctl command, a systemd unit (not enabled on install) and hooks for ifupdown,
NetworkManager and networkd-dispatcher.`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? process.argv[at + 1] : path.join(packageRoot(), 'dist');
  try {
    const deb = await buildDeb(outDir);
    process.stdout.write(`built ${deb.file}: ${(deb.bytes / 1048576).toFixed(1)} MiB, ${deb.files} files\n`);
  } catch (error) {
    process.stderr.write(`npm run deb: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
