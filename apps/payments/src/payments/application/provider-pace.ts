/**
 * Port to the pace every payments instance shares for its provider calls (the budget holds for
 * the whole consumer group, not per process). Implemented over PostgreSQL
 * (infrastructure/postgres-provider-pace.ts); absent when the budget is 0 (unlimited).
 */
export interface ProviderPace {
  /**
   * Resolves when one call may go out. Waits as long as the shared budget says, calling
   * `heartbeat` meanwhile so that the consumer keeps its partitions (a wait is pacing, not a retry).
   * Calls with a lower `turn` (their batch started earlier) go first: one batch at a time gets the
   * whole pace and finishes, and records its outcomes while the next batches' calls keep the pace
   * busy. Served in arrival order, the batches of all partitions shared the pace, finished together
   * and then recorded and fetched together, while the pace idled.
   */
  take(heartbeat: () => Promise<void>, turn?: number): Promise<void>;
  /** The provider answered 429: slow the shared pace (×0.8, at most once a second). */
  slowDown(): Promise<void>;
  /** The shared pace now: its current rate and the budget (null before the first call). */
  current(): Promise<PaceReport | null>;
}

export interface PaceReport {
  ratePerSecond: number;
  budgetPerSecond: number;
  /**
   * This process since it started: calls let out; milliseconds no call of its was waiting (the
   * pace idled for lack of calls, not for the budget); milliseconds of its slots lost to stalls
   * (its event loop ran late by more than a burst's worth, and those slots were not caught up);
   * how late its event loop ran while it paced (p99 and worst, in milliseconds).
   */
  thisProcess: { granted: number; idleMs: number; lostToStallsMs: number; eventLoopDelayMs: { p99: number; max: number } };
}

export const PROVIDER_PACE = Symbol('PROVIDER_PACE');

/** The turn of a batch that starts now: batches that started earlier call the provider first. */
export function batchTurn(): number {
  return performance.now();
}
