// Groups items per key over a fixed window that opens with the key's first item, then hands the whole group on.

/**
 * A WAN's first change opens its window; every change of that WAN until the window closes joins the group, and
 * the group leaves when the window closes (windowMs after the first change, so never later than that). The next
 * change opens a new window. A steady flap therefore yields one message per window, not one per change.
 */
export class Coalescer<T> {
  private readonly pending = new Map<string, { items: T[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly emit: (key: string, items: T[]) => void,
  ) {}

  add(key: string, item: T): void {
    let group = this.pending.get(key);
    if (!group) {
      group = { items: [], timer: setTimeout(() => this.flush(key), this.windowMs) };
      this.pending.set(key, group);
    }
    group.items.push(item);
  }

  /** Hands on the key's group now, if it has one. */
  flush(key: string): void {
    const group = this.pending.get(key);
    if (!group) return;
    this.pending.delete(key);
    clearTimeout(group.timer);
    this.emit(key, group.items);
  }

  flushAll(): void {
    for (const key of [...this.pending.keys()]) this.flush(key);
  }

  /** Keys with an open window. */
  get open(): string[] {
    return [...this.pending.keys()];
  }
}
