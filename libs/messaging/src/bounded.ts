import pMap from 'p-map';

/** What one item's work came to: its value, or what it threw. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `work` over `items` with at most `concurrency` in flight (p-map), results in input order;
 * never rejects: each result is settled, so that one failure does not hide the others' outcomes.
 */
export function settleBounded<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<Settled<R>[]> {
  return pMap(
    items,
    async (item): Promise<Settled<R>> => {
      try {
        return { ok: true, value: await work(item) };
      } catch (error) {
        return { ok: false, error };
      }
    },
    { concurrency: Math.max(1, concurrency) },
  );
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight (p-map), results in input order.
 * After the first failure no new item starts; unlike p-map's own stopOnError, the calls in flight
 * finish before that failure is thrown (a caller that records their effects next must not move on
 * while they still run).
 */
export async function mapBounded<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  let failure: { error: unknown } | undefined;
  const results = await settleBounded(items, concurrency, async (item) => {
    if (failure) return undefined;
    try {
      return await work(item);
    } catch (error) {
      failure ??= { error };
      throw error;
    }
  });
  if (failure) throw failure.error;
  return results.map((r) => (r as { value: R }).value);
}
