// mwan's kernel state between reads (the last read, or what the last apply left, and the nft objects its table holds); a read that may have crossed an apply is refused.
import type { NftDesired } from '../../reconcile/desired.ts';
import type { ApplyPlan, KernelAdapter, KernelSnapshot } from './adapter.ts';
import { stateAfter } from './state-after.ts';

/**
 * mwan's kernel state as last read (by the observer) or as the last successful apply left it, shared by the engine's
 * observer and the reconciler. The observer refreshes it on every netlink change and every periodic check, so drift
 * is still repaired.
 */
export class KnownKernelState {
  /** Applies and forgets so far: a snapshot taken before the latest is stale. */
  private applies = 0;
  private applying = false;
  private known?: { snapshot: KernelSnapshot; applies: number };
  /** The nft objects the kernel's table was last seen to hold, and their fingerprint (the fast path diffs against them). */
  nft?: { nft: NftDesired; fingerprint: string };

  /** Taken before reading the kernel: null while an apply is running (a read then may see half of it). */
  stamp(): number | null {
    return this.applying ? null : this.applies;
  }

  /** Hands over a kernel snapshot read since `stamp`; ignored if an apply started or a forget came meanwhile. */
  offer(snapshot: KernelSnapshot, stamp: number | null): void {
    if (stamp !== null && stamp === this.applies && !this.applying) this.known = { snapshot, applies: stamp };
  }

  /** Drops the known state (after something changed the kernel behind mwan's back). */
  forget(): void {
    this.known = undefined;
    this.nft = undefined;
    this.applies++; // a snapshot being read right now may predate that change: offer must refuse it
  }

  /** The known state, when it is current. */
  get(): KernelSnapshot | undefined {
    return this.known && this.known.applies === this.applies ? this.known.snapshot : undefined;
  }

  /** Applies `plan`, which renders `nft`; when it succeeds, what it leaves (from `before`) is the known state. */
  async apply(
    kernel: KernelAdapter,
    plan: ApplyPlan,
    before: KernelSnapshot,
    nft: { nft: NftDesired; fingerprint: string },
  ): Promise<void> {
    this.applies++;
    this.applying = true;
    try {
      await kernel.apply(plan);
    } catch (error) {
      this.nft = undefined;
      throw error;
    } finally {
      this.applying = false;
    }
    this.nft = nft;
    this.known = { snapshot: stateAfter(plan, before), applies: this.applies };
  }
}
