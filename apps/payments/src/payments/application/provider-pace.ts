/**
 * Port to the pace every payments instance shares for its provider calls (the budget holds for
 * the whole consumer group, not per process). Implemented over PostgreSQL
 * (infrastructure/postgres-provider-pace.ts); absent when the budget is 0 (unlimited).
 */
export interface ProviderPace {
  /**
   * Resolves with the moment one call may go out (its slot), at most a short horizon before that
   * moment: the caller hands the call to whatever sends it (the provider waits for the slot), so a
   * stall of this thread shorter than the horizon costs no slot. Waits as long as the shared
   * budget says, calling `heartbeat` meanwhile so that the consumer keeps its partitions (a wait
   * is pacing, not a retry).
   * Calls with a lower `turn` (their batch started earlier) go first: one batch at a time gets the
   * whole pace and finishes, and records its outcomes while the next batches' calls keep the pace
   * busy. Served in arrival order, the batches of all partitions shared the pace, finished together
   * and then recorded and fetched together, while the pace idled.
   */
  take(heartbeat: () => Promise<void>, turn?: number): Promise<ProviderSlot>;
  /** The provider answered 429: slow the shared pace (×0.8, at most once a second). */
  slowDown(): Promise<void>;
  /** The shared pace now: its current rate and the budget (null before the first call). */
  current(): Promise<PaceReport | null>;
}

/**
 * When one paced call may go out: at `atMs` (epoch milliseconds), or up to `burst − 1` spacings
 * (`spacingMs`, 1/rate) later; a call whose slot passed longer ago is not sent, and takes a new
 * slot (infrastructure/slot-release.ts).
 */
export interface ProviderSlot {
  readonly atMs: number;
  readonly spacingMs: number;
  readonly burst: number;
}

/** How the calls went out on time where they are sent (the provider thread; see slot-release.ts). */
export interface ReleaseStats {
  /** Calls let out at their slot. */
  released: number;
  /** Calls not sent because their slot had passed (the sending thread stalled); each took a new slot. */
  missed: number;
  /** Milliseconds of the budget those missed slots were. */
  lostToStallsMs: number;
  /** How late the sending thread's event loop ran (p99 and worst, in milliseconds). */
  eventLoopDelayMs: { p99: number; max: number };
}

export interface PaceReport {
  ratePerSecond: number;
  budgetPerSecond: number;
  /**
   * This process since it started: slots granted; milliseconds no call of its was waiting or
   * ahead (the pace idled for lack of calls, not for the budget); milliseconds by which slots had
   * passed when the statement granting them answered; that statement's round trip (ms); and,
   * where its calls are sent, how they went out on time (ReleaseStats).
   */
  thisProcess: {
    granted: number;
    idleMs: number;
    grantedLateMs: number;
    acquireMs: { p50: number; p99: number; max: number };
  } & ReleaseStats;
}

export const PROVIDER_PACE = Symbol('PROVIDER_PACE');

/** The turn of a batch that starts now: batches that started earlier call the provider first. */
export function batchTurn(): number {
  return performance.now();
}
