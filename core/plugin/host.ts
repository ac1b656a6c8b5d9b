// The plugin lifecycle: validate (options, dependencies, checks), order by declared dependencies, set up with a timeout, collect contributions, tear down in reverse.
import type { MwanConfig } from '../../config/schema/schema.ts';
import { MwanError, describeError } from '../errors.ts';
import { DesiredBuilder, type DesiredState } from '../reconcile/desired.ts';
import { closest } from '../../config/schema/issues.ts';
import { optionProblemLines } from '../../config/schema/plugin-options.ts';
import type { Disposer, MwanPlugin, PluginContext, WorldView } from '../../plugin-api/types.ts';

/**
 * Checks `plugins.*` against the registered plugins: unknown keys (with a "did you mean" hint) and the options of
 * every enabled plugin that declares a parser. Throws one MWAN_CONFIG_INVALID naming every field at fault; returns
 * the parsed options by plugin name.
 */
export function validatePluginOptions(plugins: MwanPlugin[], config: MwanConfig): Map<string, unknown> {
  const names = plugins.map((p) => p.name);
  const lines: string[] = [];
  for (const key of Object.keys(config.plugins)) {
    if (names.includes(key)) continue;
    const hint = closest(key, names);
    lines.push(
      `plugins.${key}: no plugin is named so${hint ? `; did you mean '${hint}'?` : ''} (plugins: ${[...names].sort().join(', ')})`,
    );
  }
  const parsed = new Map<string, unknown>();
  for (const p of plugins) {
    const raw = config.plugins[p.name];
    if (raw === false || !p.options) continue;
    try {
      parsed.set(p.name, p.options.parse(raw ?? {}, config));
    } catch (error) {
      lines.push(...optionProblemLines(p.name, error));
    }
  }
  if (lines.length) throw new MwanError('MWAN_CONFIG_INVALID', `invalid plugin options:\n${lines.join('\n')}`);
  return parsed;
}

/** Dependencies first; ties keep registration order. Fails on unknown dependencies and cycles. */
export function orderPlugins(plugins: MwanPlugin[]): MwanPlugin[] {
  const byName = new Map<string, MwanPlugin>();
  for (const p of plugins) {
    if (byName.has(p.name)) throw new MwanError('MWAN_PLUGIN_INVALID', `two plugins are named '${p.name}'`);
    byName.set(p.name, p);
  }
  const ordered: MwanPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: MwanPlugin, trail: string[]) => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting')
      throw new MwanError('MWAN_PLUGIN_CYCLE', `plugin dependency cycle: ${[...trail, p.name].join(' -> ')}`);
    state.set(p.name, 'visiting');
    for (const dep of p.dependencies ?? []) {
      const target = byName.get(dep);
      if (!target)
        throw new MwanError(
          'MWAN_PLUGIN_DEPENDENCY',
          `the dependency '${dep}' of plugin '${p.name}' is not registered (or is disabled)`,
        );
      visit(target, [...trail, p.name]);
    }
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return ordered;
}

async function withTimeout<T>(work: Promise<T> | T, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MwanError('MWAN_PLUGIN_TIMEOUT', `${what} did not finish within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([Promise.resolve(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What the host checks before anything runs, for `mwanctl check` too: every `plugins.<name>` key names a plugin,
 * every enabled plugin's options parse, the enabled plugins' dependencies resolve, and their `check`s pass. Returns
 * them in setup order.
 */
export function checkPlugins(
  plugins: MwanPlugin[],
  config: MwanConfig,
): { plugins: MwanPlugin[]; options: Map<string, unknown> } {
  const options = validatePluginOptions(plugins, config);
  const disabled = new Set(
    Object.entries(config.plugins)
      .filter(([, v]) => v === false)
      .map(([k]) => k),
  );
  const ordered = orderPlugins(plugins.filter((p) => !disabled.has(p.name)));
  for (const p of ordered) {
    try {
      p.check?.(config, ordered);
    } catch (error) {
      if (error instanceof MwanError) throw error;
      throw new MwanError('MWAN_PLUGIN_INVALID', `plugin '${p.name}': ${describeError(error)}`, { cause: error });
    }
  }
  return { plugins: ordered, options };
}

/** What every plugin's context shares; the host adds the plugin's name, options, logger and the plugin list. */
export type HostDeps = Omit<PluginContext, 'name' | 'options' | 'plugins'>;

export class PluginHost {
  readonly plugins: MwanPlugin[];
  private readonly started: { plugin: MwanPlugin; dispose?: Disposer }[] = [];

  /** Every enabled plugin's parsed options (plugins that declare a parser), by name. */
  readonly options: Map<string, unknown>;

  /** Validates every plugin's options first (unknown `plugins.<name>` keys included): a bad one fails before anything runs. */
  constructor(
    plugins: MwanPlugin[],
    private readonly deps: HostDeps,
  ) {
    ({ plugins: this.plugins, options: this.options } = checkPlugins(plugins, deps.config));
  }

  private context(p: MwanPlugin): PluginContext {
    const raw = this.deps.config.plugins[p.name];
    return {
      ...this.deps,
      name: p.name,
      // What the plugin's parser returned (the type its setup declares), else the options as written.
      options: (this.options.has(p.name)
        ? this.options.get(p.name)
        : raw && typeof raw === 'object'
          ? raw
          : {}) as Record<string, unknown>,
      log: this.deps.log.child({ plugin: p.name }),
      plugins: this.plugins,
      requestReconcile: (reason) => this.deps.requestReconcile(`${p.name}: ${reason}`),
    };
  }

  async setup(): Promise<void> {
    for (const p of this.plugins) {
      let dispose: Disposer | undefined;
      try {
        const result = p.setup
          ? await withTimeout(p.setup(this.context(p)), p.setupTimeoutMs ?? 5000, `setup of plugin '${p.name}'`)
          : undefined;
        if (typeof result === 'function') dispose = result;
      } catch (error) {
        await this.teardown();
        if (error instanceof MwanError) throw error;
        throw new MwanError('MWAN_PLUGIN_FAILED', `setup of plugin '${p.name}' failed: ${describeError(error)}`, {
          cause: error,
        });
      }
      this.started.push({ plugin: p, dispose });
    }
  }

  /** Asks every plugin for its part of the desired state; a throwing plugin fails the whole reconcile. */
  collect(world: WorldView): DesiredState {
    const builder = new DesiredBuilder();
    for (const p of this.plugins) {
      if (!p.contribute) continue;
      try {
        p.contribute(builder.as(p.name), world);
      } catch (error) {
        throw new MwanError(
          'MWAN_PLUGIN_FAILED',
          `plugin '${p.name}' failed to describe its state: ${describeError(error)}`,
          { cause: error },
        );
      }
    }
    return builder.state;
  }

  /** Last in, first out; a failing teardown is logged and the others still run. */
  async teardown(): Promise<void> {
    while (this.started.length) {
      const { plugin: p, dispose } = this.started.pop()!;
      try {
        if (dispose) await withTimeout(dispose(), 5000, `teardown of plugin '${p.name}'`);
        if (p.teardown) await withTimeout(p.teardown(), 5000, `teardown of plugin '${p.name}'`);
      } catch (error) {
        this.deps.log.error({ plugin: p.name, err: error }, `teardown of plugin '${p.name}' failed`);
      }
    }
  }
}
