// Waiting in tests: sleep, and waitFor (poll a condition until it holds or a generous deadline passes).
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it returns true or `ms` pass; returns the elapsed time or throws naming `what`. */
export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await sleep(20);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
