/**
 * Port to the pace every payments instance shares for its provider calls (the budget holds for
 * the whole consumer group, not per process). Implemented over PostgreSQL
 * (infrastructure/postgres-provider-pace.ts); absent when the budget is 0 (unlimited).
 */
export interface ProviderPace {
  /**
   * Resolves when one call may go out. Waits as long as the shared budget says, calling
   * `heartbeat` meanwhile so that the consumer keeps its partitions (a wait is pacing, not a retry).
   */
  take(heartbeat: () => Promise<void>): Promise<void>;
  /** The provider answered 429: slow the shared pace (×0.8, at most once a second). */
  slowDown(): Promise<void>;
  /** The shared pace now: its current rate and the budget (null before the first call). */
  current(): Promise<{ ratePerSecond: number; budgetPerSecond: number } | null>;
}

export const PROVIDER_PACE = Symbol('PROVIDER_PACE');
