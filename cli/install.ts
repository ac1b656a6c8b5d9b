// `mwanctl install|uninstall`: puts the network hooks (ifupdown, NetworkManager, networkd-dispatcher), a systemd unit and an mwanctl wrapper (bundle only, /etc/mwan/config.yaml by default) under a root directory.
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
/** Where `mwanctl install` puts the wrapper (the Debian package puts its own in /usr/sbin). */
const INSTALL_WRAPPER = '/usr/local/sbin/mwanctl';

/** The hook scripts (in hooks/) and where each is installed: ifupdown, NetworkManager's dispatcher, networkd-dispatcher. */
export const HOOKS: readonly { source: string; file: string }[] = [
  { source: 'hooks/mwan', file: '/etc/network/if-up.d/mwan' },
  { source: 'hooks/mwan', file: '/etc/network/if-down.d/mwan' },
  { source: 'hooks/networkmanager', file: '/etc/NetworkManager/dispatcher.d/90-mwan' },
  ...['routable', 'degraded', 'no-carrier', 'off'].map((state) => ({
    source: 'hooks/networkd-dispatcher',
    file: `/etc/networkd-dispatcher/${state}.d/mwan`,
  })),
];

export interface InstallOptions {
  root: string;
  config?: string;
  node?: string;
}

/** Paths written into shell scripts and the unit unquoted: plain characters only. */
export function plainPath(what: string, p: string): string {
  if (!/^\/[\w./+@,:-]*$/.test(p))
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `${what}: got ${JSON.stringify(p)}; expected an absolute path of letters, digits and ._/+@,:- (it is written into shell scripts)`,
    );
  return p;
}

/** What the wrapper runs: Node (the first of `nodes` that is executable), its flags, and the launcher. */
export interface WrapperSpec {
  nodes: string[];
  launcher: string;
  config: string;
  marker: boolean;
}

/**
 * The wrapper runs only the prebuilt bundle (MWANCTL_INSTALLED=1: mwanctl.js refuses a stale one rather than
 * compile the sources) and passes --config <the configuration> unless the command line has its own.
 */
export function wrapperText(spec: WrapperSpec): string {
  const [node, ...fallbacks] = spec.nodes.map((n) => plainPath('node', n));
  return [
    '#!/bin/sh',
    ...(spec.marker ? [MARKER] : []),
    `# Runs the prebuilt bundle only, never the TypeScript sources; uses ${spec.config} unless --config is given.`,
    `config=${spec.config}`,
    'for arg in "$@"; do',
    '  case "$arg" in --config|--config=*|-c|-c?*) config= ;; esac',
    'done',
    'if [ -n "$config" ]; then set -- --config "$config" "$@"; fi',
    'MWANCTL_INSTALLED=1',
    'export MWANCTL_INSTALLED',
    `node=${node}`,
    ...fallbacks.map((f) => `[ -x "$node" ] || node=${f}`),
    '# MWAN_NODE_FLAGS replaces the Node flags below (unquoted on purpose: several flags)',
    `exec "$node" \${MWAN_NODE_FLAGS-${NODE_FLAGS.join(' ')}} ${plainPath('launcher', spec.launcher)} "$@"`,
    '',
  ].join('\n');
}

/** The systemd unit (`mwanctl install` and the Debian package both write this text). */
export function unitText(wrapper: string, config: string, marker: boolean): string {
  const configArg = ` --config ${plainPath('--config', config)}`;
  return [
    ...(marker ? [MARKER] : []),
    '[Unit]',
    'Description=mwan multi-WAN load balancing and failover',
    'Documentation=man:mwanctl(8) man:mwan.yaml(5)',
    'After=network-pre.target',
    'Wants=network-pre.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${wrapper} daemon${configArg}`,
    `ExecStop=${wrapper} stop${configArg}`,
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** A hook script from hooks/ with the wrapper and the configuration written in (and the marker, for `install`). */
export function hookText(source: string, wrapper: string, config: string, marker: boolean): string {
  return source
    .replace(/^MWANCTL=.*$/m, `MWANCTL="${plainPath('mwanctl', wrapper)}"${marker ? `  ${MARKER}` : ''}`)
    .replace(/^MWAN_CONFIG=.*$/m, `MWAN_CONFIG="${plainPath('--config', config)}"`);
}

/** The hook scripts' sources, read from hooks/ under `root` (the package root by default). */
export async function readHookSources(root = repoRoot): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for (const { source } of HOOKS) {
    if (!sources.has(source)) sources.set(source, await readFile(path.join(root, source), 'utf8'));
  }
  return sources;
}

function files(opts: InstallOptions, sources: Map<string, string>): { file: string; mode: number; text: string }[] {
  const node = opts.node ?? process.execPath;
  const config = plainPath('--config', opts.config ? path.resolve(opts.config) : DEFAULT_CONFIG);
  return [
    { file: INSTALL_WRAPPER, mode: 0o755, text: wrapperText({ nodes: [node], launcher, config, marker: true }) },
    ...HOOKS.map((h) => ({
      file: h.file,
      mode: 0o755,
      text: hookText(sources.get(h.source) ?? '', INSTALL_WRAPPER, config, true),
    })),
    { file: '/etc/systemd/system/mwan.service', mode: 0o644, text: unitText(INSTALL_WRAPPER, config, true) },
  ];
}

export async function install(opts: InstallOptions): Promise<string[]> {
  const sources = await readHookSources();
  const written: string[] = [];
  for (const f of files(opts, sources)) {
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
  for (const f of files(opts, new Map())) {
    const target = path.join(opts.root, f.file);
    const text = await readFile(target, 'utf8').catch(() => null);
    if (text === null || !text.includes(MARKER)) continue;
    await rm(target);
    removed.push(target);
  }
  return removed;
}
