// The Debian package's control file and its maintainer scripts (postinst, prerm, postrm), kept minimal.
/** What the control file says besides the fixed fields. */
export interface ControlFields {
  version: string;
  architecture: string;
  installedSizeKiB: number;
  description: string;
}

/**
 * Node.js from Debian (trixie and later) or NodeSource's repository is the package `nodejs`. Node from elsewhere
 * (the official tarball in /usr/local) satisfies `mwan-node-runtime`: an empty package built with equivs
 * (docs/install.md), the wrapper then runs /usr/local/bin/node.
 */
export const DEPENDS = 'nodejs (>= 20.19) | mwan-node-runtime, nftables, iproute2, conntrack';

export function controlText(f: ControlFields): string {
  const [summary, ...rest] = f.description.split('\n');
  return [
    'Package: mwan',
    `Version: ${f.version}`,
    `Architecture: ${f.architecture}`,
    'Maintainer: mwan maintainers <mwan@localhost>',
    `Installed-Size: ${f.installedSizeKiB}`,
    `Depends: ${DEPENDS}`,
    'Suggests: iputils-ping, networkd-dispatcher, miniupnpd-nftables, radvd, keepalived, conntrackd',
    'Section: net',
    'Priority: optional',
    `Description: ${summary}`,
    ...rest.map((line) => (line.trim() ? ` ${line}` : ' .')),
    '',
  ].join('\n');
}

/**
 * Each script does nothing but its one job, and nothing to the running system when dpkg installs into another root
 * (DPKG_ROOT set: `dpkg --root DIR --force-script-chrootless`); it then only touches files under DPKG_ROOT.
 */
const live = '[ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]';

export const MAINTAINER_SCRIPTS: Record<'postinst' | 'prerm' | 'postrm', string> = {
  // The unit is not enabled or started: /etc/mwan/config.yaml is a commented example until the admin writes one.
  postinst: [
    '#!/bin/sh',
    '# mwan postinst: tells systemd about the unit (not enabled or started: write /etc/mwan/config.yaml first).',
    'set -e',
    `if [ "$1" = configure ] && ${live}; then`,
    '  systemctl daemon-reload || true',
    'fi',
    'exit 0',
    '',
  ].join('\n'),
  // On removal only (an upgrade keeps the daemon running): stop it, which removes mwan's kernel state.
  prerm: [
    '#!/bin/sh',
    '# mwan prerm: stops the daemon when the package is removed (not on upgrade).',
    'set -e',
    `if [ "$1" = remove ] && ${live}; then`,
    '  systemctl stop mwan.service || true',
    'fi',
    'exit 0',
    '',
  ].join('\n'),
  postrm: [
    '#!/bin/sh',
    "# mwan postrm: on purge, removes the state directory and the unit's enablement link; reloads systemd.",
    'set -e',
    'if [ "$1" = purge ]; then',
    '  rm -rf "$DPKG_ROOT/var/lib/mwan"',
    '  rm -f "$DPKG_ROOT/etc/systemd/system/multi-user.target.wants/mwan.service"',
    'fi',
    `if { [ "$1" = remove ] || [ "$1" = purge ]; } && ${live}; then`,
    '  systemctl daemon-reload || true',
    'fi',
    'exit 0',
    '',
  ].join('\n'),
};
