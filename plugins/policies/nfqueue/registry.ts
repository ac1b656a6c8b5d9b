// The NFQUEUE strategy registry: strategies by name, the built-in ones (policies' own) under those of plugins and in-process registrations.
import type { NfqueueStrategy, StrategyContext, StrategyFactory } from '../../../plugin-api/index.ts';

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Strategies by name; user plugins register their own (`register('my-choice', (ctx) => ({ name, decide }))`). A
 * registry made with a parent also finds the parent's strategies (the engine's registry sits on the process-wide one).
 */
export class NfqueueStrategyRegistry {
  private readonly factories = new Map<string, { factory: StrategyFactory; owner: string }>();

  constructor(private readonly parent?: NfqueueStrategyRegistry) {}

  /** Registers a strategy; the name is what a policy writes after `nfqueue:`. Duplicate or malformed names throw. */
  register(name: string, factory: StrategyFactory, owner = 'user'): void {
    if (!NAME.test(name))
      throw new Error(
        `nfqueue strategy name ${JSON.stringify(name)} (from ${owner}): use a lower-case letter, then letters, digits or '-'`,
      );
    const had = this.entry(name);
    if (had) throw new Error(`nfqueue strategy '${name}' from ${owner} is already registered by ${had.owner}`);
    if (typeof factory !== 'function')
      throw new Error(`nfqueue strategy '${name}' from ${owner}: the factory must be a function`);
    this.factories.set(name, { factory, owner });
  }

  unregister(name: string): boolean {
    return this.factories.delete(name);
  }

  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  names(): string[] {
    return [...new Set([...this.factories.keys(), ...(this.parent?.names() ?? [])])].sort();
  }

  private entry(name: string): { factory: StrategyFactory; owner: string } | undefined {
    return this.factories.get(name) ?? this.parent?.entry(name);
  }

  /** Builds a strategy; an unknown name throws, naming the ones that exist. */
  create(name: string, ctx: StrategyContext): NfqueueStrategy {
    const f = this.entry(name);
    if (!f) throw new Error(`unknown nfqueue strategy '${name}'; registered: ${this.names().join(', ') || 'none'}`);
    const s = f.factory(ctx);
    if (!s || typeof s.decide !== 'function')
      throw new Error(`nfqueue strategy '${name}' (from ${f.owner}) returned no decide() function`);
    return s;
  }
}

/** `nfqueue:<name>` → `<name>`; anything else → undefined. The form a policy's strategy takes. */
export function nfqueueStrategyName(policyStrategy: string): string | undefined {
  const m = /^nfqueue:(.+)$/.exec(policyStrategy);
  return m ? m[1] : undefined;
}
