// The texts of mwanctl's commands, arguments and flags: one source for --help, the man page and bash completion.

export interface FlagSpec {
  /** Commander's flag syntax: `-c, --config <file>`, `--json`. */
  flags: string;
  help: string;
  /** Values a shell may complete (for flags that take a fixed set). */
  choices?: readonly string[];
}

export interface ArgSpec {
  /** Commander's argument syntax: `<name>`. */
  name: string;
  help: string;
  choices?: readonly string[];
  /** What completion offers: the configured WAN names. */
  complete?: 'wan-names';
}

export interface CommandSpec {
  name: string;
  args?: readonly ArgSpec[];
  /** One line for the command list. */
  summary: string;
  /** More, for `mwanctl COMMAND --help` and the man page. */
  details?: string;
  flags?: readonly FlagSpec[];
  /** Needs CAP_NET_ADMIN. */
  root: boolean;
}

export const PROGRAM = {
  name: 'mwanctl',
  summary: 'multi-WAN load balancing and failover for Linux routers',
  description:
    'mwanctl runs the mwan daemon and talks to it: status, plan, apply, stop, taking WANs out of service, ' +
    'following events. Commands that change state go through the daemon when one runs (over its control socket), ' +
    "and otherwise work once against the kernel while holding the state directory's lock.",
  exitStatus:
    '0 success; 2 invalid configuration or usage (unknown command or flag, missing or extra argument, bad ' +
    'value); 1 anything else (the message says what failed).',
} as const;

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { flags: '-c, --config <file>', help: 'the configuration file (default: the one config file in /etc/mwan/)' },
];

export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: 'daemon',
    root: true,
    summary: 'run the daemon (netlink watch, reconcile, control socket)',
    details:
      'SIGTERM and SIGINT stop it and leave the kernel state in place (fail static). SIGHUP (systemctl reload) ' +
      're-reads the configuration: a valid one is applied and the log names what changed; an invalid one is refused ' +
      '(the error names the field) and the running one stays; WANs whose probes did not change keep their health ' +
      "and since. A second daemon for the same state directory exits 1 naming the first one's pid. Under systemd " +
      'each log line carries its syslog priority: WAN offline or degraded is warn, online info, failed applies and ' +
      'plugin errors error, reconciles debug.',
    flags: [
      {
        flags: '--log-level <level>',
        help: "log level (default: MWAN_LOG_LEVEL, else the configuration's log.level, info)",
        choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      },
    ],
  },
  {
    name: 'status',
    root: true,
    summary: 'WAN states, flaps, last failure, shares of new connections, last reconcile',
    details:
      'The table fits 100 columns; -v adds device, address, gateway, weight, tier, mark, table, rp_filter, ' +
      'new connections and the last probe round per target.',
    flags: [
      { flags: '--json', help: 'print the report as JSON instead of a table' },
      { flags: '-v, --verbose', help: 'the wide table and every detail' },
    ],
  },
  { name: 'plan', root: true, summary: 'print the nft script and ip batch an apply would run; changes nothing' },
  {
    name: 'apply',
    root: true,
    summary: 'apply the configuration file now (the daemon reloads it when it runs)',
    details:
      'With --confirm everything is rolled back unless `mwanctl confirm` comes in time (exit 1 when it was ' +
      'rolled back).',
    flags: [
      { flags: '--print', help: 'print what ran, in the plan format' },
      { flags: '--confirm <seconds>', help: '1-3600: roll back unless `mwanctl confirm` comes within this time' },
    ],
  },
  { name: 'confirm', root: true, summary: 'keep what the last `apply --confirm` applied' },
  { name: 'stop', root: true, summary: 'remove every route, rule and nft table mwan created (and stop the daemon)' },
  {
    name: 'wan',
    root: true,
    summary: 'take a WAN out of service by hand, or put it back',
    args: [
      { name: '<action>', help: 'down or up', choices: ['down', 'up'] },
      { name: '<name>', help: "the WAN's name", complete: 'wan-names' },
    ],
  },
  {
    name: 'events',
    root: true,
    summary: "follow the daemon's event bus (JSON lines, or text with --text)",
    flags: [
      {
        flags: '--type <glob>',
        help: 'only events whose name matches (wan.*, probe.result); repeatable or comma-separated',
      },
      { flags: '--text', help: 'one readable line per event instead of JSON' },
    ],
  },
  {
    name: 'history',
    root: true,
    summary: 'print the history: WAN state changes and reasons, failed reconciles, quota events',
    details:
      'Read from <stateDir>/history.json, which the daemon writes (root only, mode 0600) a second after each change ' +
      'and at stop, so it outlives restarts. The ring keeps at most 5000 entries and none older than 30 days. A file ' +
      'someone else wrote (another owner, a mode others may read or write, a link, over 4 MiB, not JSON) is ignored ' +
      'with a warning. Entries marked FLAP are failures (status counts them as flaps).',
    flags: [
      { flags: '--since <duration>', help: 'only entries newer than this: 90s, 30m, 24h, 7d (default: all)' },
      { flags: '--wan <name>', help: 'only entries about this WAN' },
      { flags: '--json', help: 'JSON lines instead of text' },
    ],
  },
  { name: 'check', root: false, summary: 'validate the configuration and print the identifiers it gets' },
  {
    name: 'schema',
    root: false,
    summary: "print the configuration's JSON Schema (for editors; shipped as mwan.schema.json)",
    details:
      'Generated from the schema mwanctl validates with. Point an editor at it with a first-lines comment ' +
      '`# yaml-language-server: $schema=/path/to/mwan.schema.json`. Cross-field checks (duplicate names, gateways in ' +
      "their networks, …) are `mwanctl check`'s.",
  },
  {
    name: 'init',
    root: false,
    summary: 'write a commented starter configuration for this machine, to review before apply',
    details:
      'WANs are the interfaces with a default route (in any table) or a DHCP lease (/var/lib/dhcp/*.leases, ' +
      '/run/systemd/netif/leases); LANs the other interfaces with private addresses. Each WAN probes its gateway; public ' +
      'targets are suggested in comments only. An existing file is never replaced without --force, and a directory ' +
      'its group or others may write is refused.',
    flags: [
      { flags: '-o, --output <file>', help: 'where to write (default /etc/mwan/config.yaml)' },
      { flags: '--force', help: 'replace FILE when it exists' },
    ],
  },
  {
    name: 'import-balance',
    root: false,
    summary: "convert Net-ISP-Balance's balance.conf (and network.conf) into mwan's YAML",
    details:
      'Carries the isp and lan services, mode, weights, ping targets, forwarding_group, warn_email, long_down_time ' +
      "and the link monitor's settings; every setting it cannot carry over gets a `# not carried over:` comment. " +
      'Prints the YAML, or writes it with --output.',
    args: [
      { name: '<balance.conf>', help: "Net-ISP-Balance's configuration, usually /etc/network/balance.conf" },
      { name: '[network.conf]', help: 'a second file with more services or settings' },
    ],
    flags: [
      { flags: '-o, --output <file>', help: 'write the YAML to FILE instead of printing it' },
      { flags: '--force', help: 'replace FILE when it exists' },
    ],
  },
  {
    name: 'hook',
    root: false,
    summary: 'for ifupdown hooks: notify the daemon (IFACE, MODE, PHASE from the environment)',
  },
  {
    name: 'ha',
    root: true,
    summary: "for keepalived's notify script: tell the daemon this node's new HA role",
    details:
      'The ha plugin writes the notify script; it runs the conntrackd steps first (commit, flush, resync, bulk send on ' +
      'master; a resync request on backup), then this command. The daemon publishes ha.role.',
    args: [{ name: '<role>', help: 'master, backup or fault', choices: ['master', 'backup', 'fault'] }],
    flags: [
      { flags: '--socket <path>', help: "the daemon's control socket (default: the configuration's)" },
      {
        flags: '--at <ns>',
        help: 'when the role changed (date +%s%N): an older notification than the last is dropped',
      },
    ],
  },
  {
    name: 'install',
    root: false,
    summary: 'put hooks, systemd unit and wrapper in place',
    flags: [{ flags: '--root <dir>', help: 'write the files under DIR instead of /' }],
  },
  {
    name: 'uninstall',
    root: false,
    summary: 'remove what install put in place (only files carrying its marker)',
    flags: [{ flags: '--root <dir>', help: 'remove the files under DIR instead of /' }],
  },
  {
    name: 'completion',
    root: false,
    summary: 'print a shell completion script',
    details:
      'Load it with `source <(mwanctl completion bash)`, or save it as ' +
      '/usr/share/bash-completion/completions/mwanctl.',
    args: [{ name: '<shell>', help: 'bash', choices: ['bash'] }],
  },
];

/** `--config <file>` → `--config`; `-c, --config <file>` → [`-c`, `--config`]. */
export function flagNames(flags: string): string[] {
  return flags.split(/[ ,]+/).filter((f) => f.startsWith('-'));
}
