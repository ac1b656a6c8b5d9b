// The event bus: eventemitter3 with typed events, isolated handler errors and an awaitable dispatch.
import { EventEmitter } from 'eventemitter3';
import type { EventName, MwanEvents } from './events.ts';
import type { Logger } from './log.ts';

export type Handler<E extends EventName> = (payload: MwanEvents[E]) => void | Promise<void>;

export interface HandlerFailure {
  event: EventName;
  owner: string;
  error: unknown;
}

/** What one `dispatch` collects: the promises of asynchronous handlers and the failures of this dispatch alone. */
interface DispatchScope {
  pending: Promise<void>[];
  failures: HandlerFailure[];
}

/**
 * Every handler is wrapped: a throw or a rejected promise is logged and collected, never
 * propagated to the emitter or to the other handlers. `dispatch` waits for every handler.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  readonly failures: HandlerFailure[] = [];
  private readonly taps = new Set<(event: EventName, payload: unknown) => void>();

  constructor(private readonly log?: Logger) {}

  /** Subscribes; `owner` (a plugin name) is stamped on failures. Returns an unsubscribe function. */
  on<E extends EventName>(event: E, handler: Handler<E>, owner = 'core'): () => void {
    const wrapped = (payload: MwanEvents[E], dispatch?: DispatchScope) => {
      const settle = (error: unknown) => {
        const failure = this.recordFailure(event, owner, error);
        dispatch?.failures.push(failure);
      };
      let result: void | Promise<void>;
      try {
        result = handler(payload);
      } catch (error) {
        settle(error);
        return;
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        const guarded = (result as Promise<void>).catch(settle);
        dispatch?.pending.push(guarded);
      }
    };
    this.emitter.on(event, wrapped);
    return () => {
      this.emitter.off(event, wrapped);
    };
  }

  /** Fire and forget: handlers run, their failures are collected. */
  emit<E extends EventName>(event: E, payload: MwanEvents[E]): void {
    this.log?.debug({ event, payload }, 'event');
    this.emitter.emit(event, payload);
    this.tap(event, payload);
  }

  /** Emits and resolves when every handler, including asynchronous ones, has finished. */
  async dispatch<E extends EventName>(event: E, payload: MwanEvents[E]): Promise<HandlerFailure[]> {
    const scope: DispatchScope = { pending: [], failures: [] };
    this.log?.debug({ event, payload }, 'event');
    this.emitter.emit(event, payload, scope);
    this.tap(event, payload, scope);
    await Promise.all(scope.pending);
    return scope.failures;
  }

  /** Subscribes to every event, plugins' included (for `mwanctl events`); a failing listener is stamped 'tap'. */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    this.taps.add(listener);
    return () => {
      this.taps.delete(listener);
    };
  }

  private tap(event: EventName, payload: unknown, dispatch?: DispatchScope): void {
    for (const listener of this.taps) {
      try {
        listener(event, payload);
      } catch (error) {
        dispatch?.failures.push(this.recordFailure(event, 'tap', error));
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.emitter.listenerCount(event);
  }

  private recordFailure(event: EventName, owner: string, error: unknown): HandlerFailure {
    const failure = { event, owner, error };
    this.failures.push(failure);
    if (this.failures.length > 100) this.failures.shift();
    this.log?.error({ event, plugin: owner, err: error }, `handler of ${event} in ${owner} failed`);
    return failure;
  }
}
