// Lab fixture for mwan itself: writes a config for a lab, runs mwanctl and the daemon inside the router namespace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, ManagedProcess } from './topology.ts';

export const MWANCTL = fileURLToPath(new URL('../../../cli/mwanctl.js', import.meta.url));

export interface WanOverrides {
  weight?: number;
  tier?: number;
  gateway?: string;
  snat?: string;
  id?: number;
}
export interface ConfigOptions {
  mode?: 'balanced' | 'failover';
  wans?: Record<number, WanOverrides>;
  extra?: Record<string, unknown>;
}

/** A config for every WAN of the lab (isp<i> on wan<i>, gateway from the lab), LAN lan0, state kept in `dir`. */
export function labConfig(lab: Lab, dir: string, o: ConfigOptions = {}): Record<string, unknown> {
  return {
    mode: o.mode ?? 'balanced',
    lan: [{ device: 'lan0' }],
    stateDir: path.join(dir, 'state'),
    control: { socket: path.join(dir, 'mwan.sock') },
    pluginsDir: path.join(dir, 'plugins.d'),
    wans: Array.from({ length: lab.wans }, (_, k) => k + 1).map((i) => ({
      name: `isp${i}`,
      device: `wan${i}`,
      gateway: lab.addr.ispGateway(i),
      ...o.wans?.[i],
    })),
    ...o.extra,
  };
}

export interface Mwan {
  dir: string;
  configPath: string;
  /** Runs `mwanctl --config <file> ...args` in the router namespace. */
  ctl(
    args: string[],
    opts?: { env?: Record<string, string>; timeout?: number },
  ): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  writeConfig(cfg: unknown): void;
  /** Starts `mwanctl daemon`; `nodeFlags` as the installed wrapper passes them (benchmarks use cli/install.ts NODE_FLAGS). */
  startDaemon(nodeFlags?: string[]): Promise<ManagedProcess>;
  daemon?: ManagedProcess;
  /** Stops the daemon (`mwanctl stop`) if running, and removes the temp dir. */
  cleanup(): Promise<void>;
}

export function mwanFor(lab: Lab, cfg?: (dir: string) => unknown): Mwan {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-test-'));
  const configPath = path.join(dir, 'mwan.config.json');
  const m: Mwan = {
    dir,
    configPath,
    writeConfig(c) {
      writeFileSync(configPath, JSON.stringify(c, null, 2));
    },
    async ctl(args, opts = {}) {
      // `env` goes through /usr/bin/env inside the namespace so the child sees exactly these variables.
      const envArgs = opts.env ? ['env', ...Object.entries(opts.env).map(([k, v]) => `${k}=${v}`)] : [];
      return lab.exec(lab.ns.router, [...envArgs, process.execPath, MWANCTL, '--config', configPath, ...args], {
        reject: false,
        timeout: opts.timeout ?? 30000,
      });
    },
    async startDaemon(nodeFlags = []) {
      const d = lab.spawn(lab.ns.router, [process.execPath, ...nodeFlags, MWANCTL, '--config', configPath, 'daemon']);
      await d.waitForLine(/mwan daemon ready/, 20000);
      m.daemon = d;
      return d;
    },
    async cleanup() {
      if (m.daemon && !m.daemon.hasExited) await m.ctl(['stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  m.writeConfig(cfg ? cfg(dir) : labConfig(lab, dir));
  return m;
}

/** The router namespace's networking state, as text, for byte-for-byte comparisons (counter values masked). */
export async function routerSnapshot(lab: Lab): Promise<string> {
  const run = async (argv: string[]) => (await lab.exec(lab.ns.router, argv)).stdout;
  const [ruleset, rules, routes, sysctl] = await Promise.all([
    run(['nft', 'list', 'ruleset']),
    run(['ip', 'rule', 'show']),
    run(['ip', 'route', 'show', 'table', 'all']),
    run(['sysctl', 'net.ipv4.fib_multipath_hash_policy', 'net.ipv4.ip_forward']),
  ]);
  // Counter values are traffic (the traffic plugin's counters see every stray packet), not state mwan sets.
  const nft = ruleset.replace(/packets \d+ bytes \d+/g, 'packets - bytes -');
  return `## nft\n${nft}\n## rules\n${rules}\n## routes\n${routes}\n## sysctl\n${sysctl}`;
}
