// `mwanctl install|uninstall`: puts the ifupdown hooks, a systemd unit and an mwanctl wrapper under a root directory.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = '# installed by mwanctl install';
/**
 * Node flags of the installed mwanctl (MWAN_NODE_FLAGS in its environment replaces them). A 1 MiB young generation
 * (the default grows to 16 MiB per semi-space) and no optimizing compiler: the daemon's hot paths are short, and
 * TurboFan's code and compile memory cost about 12 MiB of resident memory. Measured (npm run bench): the
 * daemon's probing cost and the reconcile times do not change; NFQUEUE decisions still exceed 20,000/s.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--no-opt'];
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const launcher = path.join(repoRoot, 'core/cli/mwanctl.js');

export interface InstallOptions { root: string; config?: string; node?: string }

function files(opts: InstallOptions, hook: string): { file: string; mode: number; text: string }[] {
  const node = opts.node ?? process.execPath;
  const wrapper = '/usr/local/sbin/mwanctl';
  const configArg = opts.config ? ` --config ${opts.config}` : '';
  const hookText = hook
    .replace(/^MWANCTL=.*$/m, `MWANCTL="${wrapper}"  ${MARKER}`)
    .replace(/^MWAN_CONFIG=.*$/m, `MWAN_CONFIG="${opts.config ?? ''}"`);
  return [
    { file: wrapper, mode: 0o755, text: `#!/bin/sh\n${MARKER}\n# MWAN_NODE_FLAGS replaces the Node flags below (unquoted on purpose: several flags)\nexec ${node} \${MWAN_NODE_FLAGS-${NODE_FLAGS.join(' ')}} ${launcher} "$@"\n` },
    { file: '/etc/network/if-up.d/mwan', mode: 0o755, text: hookText },
    { file: '/etc/network/if-down.d/mwan', mode: 0o755, text: hookText },
    {
      file: '/etc/systemd/system/mwan.service', mode: 0o644, text: [
        MARKER, '[Unit]', 'Description=mwan multi-WAN load balancing and failover', 'Documentation=file://' + path.join(repoRoot, 'README.md'),
        'After=network-pre.target', 'Wants=network-pre.target', '',
        '[Service]', 'Type=simple', `ExecStart=${wrapper} daemon${configArg}`, `ExecStop=${wrapper} stop${configArg}`,
        'Restart=on-failure', 'RestartSec=2', '',
        '[Install]', 'WantedBy=multi-user.target', '',
      ].join('\n'),
    },
  ];
}

export async function install(opts: InstallOptions): Promise<string[]> {
  const hook = await readFile(path.join(repoRoot, 'hooks/mwan'), 'utf8');
  const written: string[] = [];
  for (const f of files(opts, hook)) {
    const target = path.join(opts.root, f.file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.text, { mode: f.mode });
    written.push(target);
  }
  return written;
}

/** Removes only files that carry mwan's install marker. */
export async function uninstall(opts: InstallOptions): Promise<string[]> {
  const removed: string[] = [];
  for (const f of files(opts, '')) {
    const target = path.join(opts.root, f.file);
    const text = await readFile(target, 'utf8').catch(() => null);
    if (text === null || !text.includes(MARKER)) continue;
    await rm(target);
    removed.push(target);
  }
  return removed;
}
