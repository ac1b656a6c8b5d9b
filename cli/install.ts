// `mwanctl install|uninstall`: puts the ifupdown hooks, a systemd unit and an mwanctl wrapper (bundle only, /etc/mwan/config.yaml by default) under a root directory.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MwanError } from '../core/errors.ts';
import { packageRoot } from '../core/system/package-root.ts';

const MARKER = '# installed by mwanctl install';
/**
 * Node flags of the installed mwanctl (MWAN_NODE_FLAGS in its environment replaces them). A 1 MiB young generation
 * (the default grows to 16 MiB per semi-space) and no optimizing compiler: the daemon's hot paths are short, and
 * TurboFan's code and compile memory cost about 12 MiB of resident memory. Measured (npm run bench): the
 * daemon's probing cost and the reconcile times do not change; NFQUEUE decisions still exceed 20,000/s.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--no-opt'];
const repoRoot = packageRoot();
const launcher = path.join(repoRoot, 'cli/mwanctl.js');

/** The configuration the installed wrapper, unit and hooks use unless --config is given (at install time or to the wrapper). */
export const DEFAULT_CONFIG = '/etc/mwan/config.yaml';

export interface InstallOptions { root: string; config?: string; node?: string }

/** Paths written into shell scripts and the unit unquoted: plain characters only. */
function plainPath(what: string, p: string): string {
  if (!/^\/[\w./+@,:-]*$/.test(p)) throw new MwanError('MWAN_CONFIG_INVALID', `${what}: got ${JSON.stringify(p)}; expected an absolute path of letters, digits and ._/+@,:- (it is written into shell scripts)`);
  return p;
}

/**
 * The wrapper runs only the prebuilt bundle (MWANCTL_INSTALLED=1: mwanctl.js refuses a stale one rather than
 * compile the sources) and passes --config <the configuration> unless the command line has its own.
 */
function wrapperText(node: string, config: string): string {
  return [
    '#!/bin/sh', MARKER,
    `# Runs the bundle only (a stale one is refused); uses ${config} unless --config is given.`,
    `config=${config}`,
    'for arg in "$@"; do',
    '  case "$arg" in --config|--config=*|-c|-c?*) config= ;; esac',
    'done',
    'if [ -n "$config" ]; then set -- --config "$config" "$@"; fi',
    'MWANCTL_INSTALLED=1',
    'export MWANCTL_INSTALLED',
    '# MWAN_NODE_FLAGS replaces the Node flags below (unquoted on purpose: several flags)',
    `exec ${node} \${MWAN_NODE_FLAGS-${NODE_FLAGS.join(' ')}} ${plainPath('mwanctl.js', launcher)} "$@"`, '',
  ].join('\n');
}

function files(opts: InstallOptions, hook: string): { file: string; mode: number; text: string }[] {
  const node = plainPath('node', opts.node ?? process.execPath);
  const wrapper = '/usr/local/sbin/mwanctl';
  const config = plainPath('--config', opts.config ? path.resolve(opts.config) : DEFAULT_CONFIG);
  const configArg = ` --config ${config}`;
  const hookText = hook
    .replace(/^MWANCTL=.*$/m, `MWANCTL="${wrapper}"  ${MARKER}`)
    .replace(/^MWAN_CONFIG=.*$/m, `MWAN_CONFIG="${config}"`);
  return [
    { file: wrapper, mode: 0o755, text: wrapperText(node, config) },
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
