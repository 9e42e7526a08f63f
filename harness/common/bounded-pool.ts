/**
 * Runs `work` on every item with at most `concurrency` in flight (a controller's worker pool); resolves when all
 * are done. `work` handles its own errors: one that throws rejects the whole pool.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
