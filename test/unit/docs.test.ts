// Keeps docs/ true: every built-in plugin, event name, CLI command and flag, config field and plugin option appears in it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Where the truth lives. When code moves, change the line here (paths are from the repository root).
const SOURCES = {
  /** Zod schemas of the configuration file, walked at run time; `prefix` is the path their fields live under. */
  configSchemas: [{ module: 'cli/config.ts', exportName: 'configSchema', prefix: '' }],
  /** The built-in plugins (an exported array of plugin objects). */
  plugins: { module: 'plugins/index.ts', exportName: 'builtinPlugins' },
  /** A plugin's own options module; its exported zod objects are its options (`plugins.<name>.<field>`). */
  pluginOptionsModule: (plugin: string) => `plugins/${plugin}/options.ts`,
  /** Files whose `interface MwanEvents { ... }` blocks (declaration merging included) name the events. */
  eventFiles: ['core/events.ts', ...globPluginFiles('events.ts')],
  /** The mwanctl commands (an exported record by command name) and the file declaring the flags (`flags: '--x <v>'`). */
  cli: { module: 'cli/commands.ts', exportName: 'commands', flagsFile: 'cli/cli-spec.ts' },
  docsDir: 'docs',
};

function globPluginFiles(file: string): string[] {
  return readdirSync(path.join(root, 'plugins'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, 'plugins', d.name, file)))
    .map((d) => `plugins/${d.name}/${file}`);
}

async function load<T>(module: string, exportName: string): Promise<T> {
  const mod = (await import(path.join(root, module))) as Record<string, unknown>;
  assert.ok(
    exportName in mod,
    `${module} exports no ${exportName}: point SOURCES in test/unit/docs.test.ts at its new place`,
  );
  return mod[exportName] as T;
}

type ZodLike = { _zod?: { def?: Record<string, unknown> & { type: string } } };

/**
 * Every field path of a zod schema, breadth first: `wans[].probes[].method`, `policies.<name>.strategy`. An object
 * schema met a second time (health settings under `health` and `wans[].health`) is listed under its shortest path only.
 */
function schemaFields(schema: unknown, prefix = '', seen = new Set<unknown>()): string[] {
  const out: string[] = [];
  const queue: [unknown, string][] = [[schema, prefix]];
  const join = (base: string, key: string) => (base ? `${base}.${key}` : key);
  while (queue.length) {
    const [s, at] = queue.shift()!;
    const def = (s as ZodLike)?._zod?.def;
    if (!def) continue;
    switch (def.type) {
      case 'object':
        if (seen.has(s)) continue;
        seen.add(s);
        for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
          out.push(join(at, key));
          queue.push([child, join(at, key)]);
        }
        break;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'nonoptional':
      case 'readonly':
      case 'catch':
        queue.push([def.innerType, at]);
        break;
      case 'array':
        queue.push([def.element, `${at}[]`]);
        break;
      case 'record':
        queue.push([def.valueType, join(at, '<name>')]);
        break;
      case 'union':
        for (const o of def.options as unknown[]) queue.push([o, at]);
        break;
      case 'intersection':
        queue.push([def.left, at], [def.right, at]);
        break;
      case 'pipe':
        queue.push([def.in, at], [def.out, at]);
        break;
      case 'lazy':
        queue.push([(def.getter as () => unknown)(), at]);
        break;
      default:
        break;
    }
  }
  return [...new Set(out)];
}

const isZodObject = (v: unknown): boolean => {
  let def = (v as ZodLike)?._zod?.def;
  while (def && ('innerType' in def || def.type === 'pipe')) def = ((def.innerType ?? def.in) as ZodLike)._zod?.def;
  return def?.type === 'object';
};

/** Object schemas reachable from the config schemas: a plugin module re-exporting one of them (policies) adds no options. */
async function configObjects(): Promise<Set<unknown>> {
  const seen = new Set<unknown>();
  for (const s of SOURCES.configSchemas) schemaFields(await load(s.module, s.exportName), s.prefix, seen);
  return seen;
}

interface PluginLike {
  name: string;
  options?: { schema?: unknown };
}

/** A plugin's option fields as `plugins.<name>.<path>` (main schema) or patterns for its secondary schemas (nested somewhere below). */
async function pluginOptionFields(
  plugin: PluginLike,
  inConfig: Set<unknown>,
): Promise<{ exact: string[]; nested: string[] }> {
  const prefix = `plugins.${plugin.name}`;
  const schemas: { name: string; schema: unknown }[] = [];
  if (isZodObject(plugin.options?.schema)) schemas.push({ name: 'schema', schema: plugin.options!.schema });
  const file = SOURCES.pluginOptionsModule(plugin.name);
  if (existsSync(path.join(root, file))) {
    const mod = (await import(path.join(root, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (isZodObject(value) && !inConfig.has(value) && !schemas.some((s) => s.schema === value))
        schemas.push({ name, schema: value });
    }
  }
  const main =
    schemas.find((s) => s.name === 'schema') ?? schemas.find((s) => /options?schema$/i.test(s.name)) ?? schemas[0];
  const exact = main ? schemaFields(main.schema, prefix) : [];
  const nested = schemas.filter((s) => s !== main).flatMap((s) => schemaFields(s.schema));
  return { exact, nested };
}

/** Event names declared in `interface MwanEvents { ... }` blocks (the core's in `interface CoreEvents`). */
function eventNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/interface (?:Mwan|Core)Events\b[^{]*\{/g)) {
    let depth = 1;
    let body = '';
    for (let i = m.index + m[0].length; i < source.length && depth > 0; i++) {
      const c = source[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (depth === 1) body += c; // keys only: payload types sit deeper
    }
    for (const k of body.matchAll(/^\s*['"]([a-z][\w-]*(?:\.[\w-]+)+)['"]\??\s*:/gm)) names.push(k[1]);
  }
  return names;
}

function readDocs(): Map<string, string> {
  const dir = path.join(root, SOURCES.docsDir);
  const docs = new Map<string, string>();
  for (const f of readdirSync(dir)) if (f.endsWith('.md')) docs.set(f, readFileSync(path.join(dir, f), 'utf8'));
  return docs;
}

const quoted = (text: string, token: string) => text.includes(`\`${token}\``);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The config fields (and plugin option fields) a reference text does not name in backticks. */
function missingFields(
  text: string,
  fields: { exact: string[]; nested: { prefix: string; path: string }[] },
): string[] {
  const missing = fields.exact.filter((f) => !quoted(text, f));
  for (const n of fields.nested) {
    if (!new RegExp(`\`${escapeRegExp(n.prefix)}\\.[^\`\\s]*${escapeRegExp(n.path)}\``).test(text))
      missing.push(`${n.prefix}.….${n.path}`);
  }
  return missing;
}

describe('docs/ names everything there is', function () {
  this.timeout(60000);
  const docs = readDocs();
  const all = [...docs.values()].join('\n');
  const doc = (name: string) => {
    const t = docs.get(name);
    assert.ok(t, `docs/${name} is missing`);
    return t;
  };

  it('has every reference page the README links to', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const m of readme.matchAll(/\]\((docs\/[^)#]+)/g))
      assert.ok(existsSync(path.join(root, m[1])), `README links to ${m[1]}, which does not exist`);
    assert.ok(readme.split('\n').length <= 300, 'README.md is longer than 300 lines: move reference text into docs/');
  });

  it('the YAML examples of the README are valid configurations', async () => {
    const { loadConfig } = (await import(path.join(root, 'cli/config.ts'))) as typeof import('../../cli/config.ts');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(examples.length >= 1, 'the README has no YAML example');
    const dir = mkdtempSync(path.join(tmpdir(), 'mwan-docs-'));
    try {
      for (const [i, text] of examples.entries()) {
        const file = path.join(dir, `example-${i}.yaml`);
        writeFileSync(file, text);
        await loadConfig(file);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('configuration.md names every config field (walked from the runtime schema)', async () => {
    const exact: string[] = [];
    for (const s of SOURCES.configSchemas) exact.push(...schemaFields(await load(s.module, s.exportName), s.prefix));
    assert.ok(
      exact.length > 50 && exact.includes('wans[].probes[].method'),
      `the schema walk found too little (${exact.length} fields): has the schema moved?`,
    );
    assert.deepEqual(
      missingFields(doc('configuration.md'), { exact, nested: [] }),
      [],
      'fields missing from docs/configuration.md',
    );
  });

  it('configuration.md names every option of every built-in plugin', async () => {
    const plugins = await load<PluginLike[]>(SOURCES.plugins.module, SOURCES.plugins.exportName);
    const exact: string[] = [];
    const nested: { prefix: string; path: string }[] = [];
    const inConfig = await configObjects();
    for (const p of plugins) {
      const f = await pluginOptionFields(p, inConfig);
      exact.push(...f.exact);
      nested.push(...f.nested.map((n) => ({ prefix: `plugins.${p.name}`, path: n })));
    }
    assert.ok(
      exact.includes('plugins.upnp.enabled'),
      'found no plugin options: have they moved? (SOURCES.pluginOptionsModule)',
    );
    assert.deepEqual(
      missingFields(doc('configuration.md'), { exact, nested }),
      [],
      'plugin options missing from docs/configuration.md',
    );
  });

  it('plugins.md names every built-in plugin', async () => {
    const plugins = await load<PluginLike[]>(SOURCES.plugins.module, SOURCES.plugins.exportName);
    assert.ok(plugins.length >= 13);
    assert.deepEqual(
      plugins.map((p) => p.name).filter((n) => !quoted(doc('plugins.md'), n)),
      [],
      'plugins missing from docs/plugins.md',
    );
  });

  it('docs/ names every event', () => {
    const names = SOURCES.eventFiles.flatMap((f) => eventNames(readFileSync(path.join(root, f), 'utf8')));
    assert.ok(
      names.includes('wan.offline') && names.length >= 10,
      `found only ${names.length} events: has the event map moved?`,
    );
    assert.deepEqual(
      names.filter((n) => !quoted(all, n)),
      [],
      'events missing from docs/',
    );
  });

  it("each plugin's events.ts declares exactly the events its `events` lists (completion and taps see them)", async () => {
    const plugins = await load<{ name: string; events?: string[] }[]>(
      SOURCES.plugins.module,
      SOURCES.plugins.exportName,
    );
    const files = globPluginFiles('events.ts');
    assert.ok(files.length >= 2, `found ${files.length} plugin events.ts files`);
    for (const file of files) {
      const name = file.split('/')[1];
      const declared = eventNames(readFileSync(path.join(root, file), 'utf8'));
      assert.deepEqual(plugins.find((p) => p.name === name)?.events, declared, file);
    }
  });

  it('cli.md has a table row for every mwanctl command and flag', async () => {
    const commands = Object.keys(await load<Record<string, unknown>>(SOURCES.cli.module, SOURCES.cli.exportName));
    const cli = doc('cli.md');
    const row = (token: string) => new RegExp(`^\\| \`(mwanctl )?${escapeRegExp(token)}[\` ]`, 'm').test(cli);
    assert.ok(commands.includes('daemon'), `found no commands in ${SOURCES.cli.module}`);
    assert.deepEqual(
      commands.filter((c) => !row(c)),
      [],
      'commands missing from docs/cli.md',
    );
    const main = readFileSync(path.join(root, SOURCES.cli.flagsFile), 'utf8');
    const flags = [...main.matchAll(/flags: '([^']+)'/g)].flatMap((m) =>
      m[1].split(/[ ,]+/).filter((f) => f.startsWith('--')),
    );
    assert.ok(flags.includes('--config'), `found no flags in ${SOURCES.cli.flagsFile}`);
    assert.deepEqual(
      flags.filter((f) => !row(f)),
      [],
      'flags missing from docs/cli.md',
    );
  });

  it('the checks fail when a name is missing', () => {
    const text = '`wans[].name` `plugins.mail.transport.host`';
    assert.deepEqual(
      missingFields(text, {
        exact: ['wans[].name', 'wans[].device'],
        nested: [
          { prefix: 'plugins.mail', path: 'host' },
          { prefix: 'plugins.mail', path: 'port' },
        ],
      }),
      ['wans[].device', 'plugins.mail.….port'],
    );
    assert.deepEqual(
      eventNames(
        "interface MwanEvents {\n  'a.b': {\n    x: 1;\n  };\n  'c.d'?: {};\n}\ninterface MwanEvents { \"e.f\": { y: 'g.h' } }\n",
      ),
      ['a.b', 'c.d', 'e.f'],
    );
  });
});
