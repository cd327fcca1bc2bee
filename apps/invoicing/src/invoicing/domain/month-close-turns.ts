/**
 * Which month-close run the worker serves next. Runs never block each other: each due run gets
 * its turn (round-robin, starting after the run served last), and a run whose page keeps
 * throwing (an infrastructure error: the page rolled back) backs off alone, exponentially, while
 * the others proceed. Times are a monotonic clock in milliseconds.
 */
export interface RunBackoff {
  readonly failures: number;
  /** No page of the run is tried before this instant. */
  readonly until: number;
}

/** Due runs in the order to try them now: after `lastServed` first, then from the start; backed-off runs left out. */
export function turnOrder(
  due: readonly string[],
  lastServed: string | null,
  backoff: ReadonlyMap<string, RunBackoff>,
  now: number,
): string[] {
  const at = lastServed === null ? -1 : due.indexOf(lastServed);
  const rotated = [...due.slice(at + 1), ...due.slice(0, at + 1)];
  return rotated.filter((runId) => (backoff.get(runId)?.until ?? -Infinity) <= now);
}

/** The backoff after one more failed page of a run: base·2^(failures-1), at most `maxMs`. */
export function nextBackoff(previous: RunBackoff | undefined, now: number, baseMs: number, maxMs: number): RunBackoff {
  const failures = (previous?.failures ?? 0) + 1;
  return { failures, until: now + Math.min(maxMs, baseMs * 2 ** (failures - 1)) };
}
