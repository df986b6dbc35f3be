/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start.
 * Worker n starts `rampUpMs` × n after the first, so a burst of connections
 * does not land all at once and the first results arrive early.
 * Small enough not to warrant a dependency; every call site needs only this.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, rampUpMs = 0): Promise<void> {
  let next = 0;
  const worker = async (_: unknown, index: number) => {
    if (rampUpMs > 0 && index > 0) await new Promise((resolve) => setTimeout(resolve, index * rampUpMs));
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
