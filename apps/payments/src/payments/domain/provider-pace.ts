/**
 * The pace of calls to the payment provider: a token bucket whose rate follows AIMD.
 *
 * - Tokens refill at the current `rate` per second up to `burst`. An acquire takes its tokens at
 *   once and may leave the bucket in debt (negative tokens): the caller then waits until the debt
 *   is paid back (`waitMs`), so callers that acquired earlier go first and none is starved.
 * - Additive increase: every second without a 429 (counted from the last decrease plus one
 *   second) adds `increasePerSecond × maxRate` to the rate, up to `maxRate` (the budget).
 * - Multiplicative decrease: a 429 multiplies the rate by `decreaseFactor` (not below
 *   `floorRate`) and drops any saved-up burst; at most once per second, so one wave of 429s from
 *   calls already under way counts once. A storm (429s every second) keeps cutting: ×0.8 a second
 *   takes the budget to a fifth in about 7 s; an isolated 429 (a stall that let a few calls out as
 *   a bunch) costs ~20 % of the rate for about 2 s, not half of it for 10 s.
 *
 * Pure: times are passed in (milliseconds). The shared bucket in PostgreSQL
 * (infrastructure/postgres-provider-pace.ts) computes exactly this in one UPDATE, with the
 * database's clock; its int test replays the same steps through both.
 */
export interface PaceSettings {
  /** The budget: calls per second the rate never exceeds. */
  readonly maxRate: number;
  /** Tokens the bucket holds at most (calls that may go out at once after a quiet moment). */
  readonly burst: number;
  /** The rate a 429 never pushes below. */
  readonly floorRate: number;
  /** Fraction of `maxRate` added back per second without a 429. */
  readonly increasePerSecond: number;
  /** What a 429 multiplies the rate by (0 < f < 1). */
  readonly decreaseFactor: number;
}

export interface PaceState {
  readonly tokens: number;
  readonly rate: number;
  readonly updatedAtMs: number;
  /** Last multiplicative decrease; -Infinity when never. */
  readonly decreasedAtMs: number;
}

/** A 429 cuts the rate at most this often. */
export const DECREASE_INTERVAL_MS = 1000;

/** Defaults: a 429 takes the rate to 80 %, 10 % of the budget back per second, never below 1 call per second. */
export function paceSettings(maxRate: number, burst = defaultBurst(maxRate)): PaceSettings {
  return { maxRate, burst, floorRate: Math.min(1, maxRate), increasePerSecond: 0.1, decreaseFactor: 0.8 };
}

/**
 * A twentieth of a second's worth, at least 1 (80/s → 4): smaller than the provider's own burst
 * (Stripe's sandbox: a tenth of a second), so calls released together never outrun it.
 */
export function defaultBurst(maxRate: number): number {
  return Math.max(1, Math.floor(maxRate / 20));
}

/**
 * Tokens one acquiring statement takes at least: a tenth of a second of the budget, at least a
 * burst (97/s → 10). Tokens taken beyond the burst leave the bucket in debt, so the group's slots
 * are spaced by the debt (acquirePace's waitMs), not sent together.
 */
export function tokensPerStatement(settings: PaceSettings): number {
  return Math.max(1, Math.floor(settings.burst), Math.ceil(settings.maxRate / 10));
}

/** Slots one process holds ahead at least, and at most (see acquirePlan). */
export const MIN_HORIZON_MS = 250;
export const MAX_HORIZON_MS = 1000;

/**
 * How far ahead one process holds slots and how many tokens its next statement takes, given how
 * long that statement has been taking (`roundTripMs`, a running estimate). One process acquires
 * one statement after another, so a statement must grant more time than its round trip takes:
 * while PostgreSQL answered in 180 ms at p99 during a close, 10 tokens (100 ms) a statement
 * fell behind — the slots it granted had passed, and the bucket, idle meanwhile, had dropped
 * every token beyond its burst. Twice the round trip of tokens (at most half a second of the
 * budget), with slots held two round trips ahead (250 ms to 1 s), keeps the bucket in debt, where
 * no token is dropped.
 */
export function acquirePlan(settings: PaceSettings, roundTripMs: number): { tokens: number; horizonMs: number } {
  const roundTrip = Math.max(0, roundTripMs);
  const least = tokensPerStatement(settings);
  const most = Math.max(least, Math.ceil(settings.maxRate / 2));
  const tokens = Math.min(most, Math.max(least, Math.ceil((settings.maxRate * 2 * roundTrip) / 1000)));
  return { tokens, horizonMs: Math.min(MAX_HORIZON_MS, Math.max(MIN_HORIZON_MS, 2 * roundTrip + 100)) };
}

/** The running estimate of a statement's round trip: up at once (half-way to a slower sample), down slowly. */
export function nextRoundTrip(estimateMs: number, sampleMs: number): number {
  return sampleMs > estimateMs ? (estimateMs + sampleMs) / 2 : 0.9 * estimateMs + 0.1 * sampleMs;
}

/**
 * Charge requests per consumer transaction when calls are paced: about one second of the budget
 * (at least 10, at most the service's batch size). A batch records its outcomes only after its
 * last call, and a new fetch starts only when every partition's batch is recorded: a 500-event
 * batch at 97/s held that for 5 s per partition, and the pace idled at every such boundary.
 */
export function pacedBatchSize(maxRate: number, serviceBatchSize: number): number {
  return Math.max(1, Math.min(serviceBatchSize, Math.max(10, Math.ceil(maxRate))));
}

/**
 * Provider calls of one batch in flight (waiting for their turn, granted a slot ahead, or under
 * way) when calls are paced: half a second of the budget, at least the service's setting. The
 * pace, not this, bounds the calls per second; it only keeps enough calls waiting that the pace
 * never idles while one partition records its batch or fetches the next (8 per batch let it idle
 * a fifth of the time on a busy machine), with a quarter second or more of them granted ahead
 * (acquirePlan) and the rest in flight or next in line.
 */
export function pacedProviderConcurrency(maxRate: number, serviceConcurrency: number): number {
  return Math.max(serviceConcurrency, Math.ceil(maxRate / 2));
}

export function initialPace(settings: PaceSettings, nowMs: number): PaceState {
  return { tokens: settings.burst, rate: settings.maxRate, updatedAtMs: nowMs, decreasedAtMs: -Infinity };
}

/** The bucket at `nowMs`: tokens refilled at the old rate, the rate increased additively. */
export function advancePace(state: PaceState, settings: PaceSettings, nowMs: number): PaceState {
  const elapsed = Math.max(0, nowMs - state.updatedAtMs) / 1000;
  const increasing = Math.max(0, nowMs - Math.max(state.updatedAtMs, state.decreasedAtMs + DECREASE_INTERVAL_MS)) / 1000;
  return {
    tokens: Math.min(settings.burst, state.tokens + state.rate * elapsed),
    rate: Math.min(settings.maxRate, state.rate + settings.increasePerSecond * settings.maxRate * increasing),
    updatedAtMs: Math.max(state.updatedAtMs, nowMs),
    decreasedAtMs: state.decreasedAtMs,
  };
}

/** Takes `count` tokens; `waitMs` is how long the caller waits before its calls go out. */
export function acquirePace(
  state: PaceState,
  settings: PaceSettings,
  count: number,
  nowMs: number,
): { state: PaceState; waitMs: number } {
  const advanced = advancePace(state, settings, nowMs);
  const tokens = advanced.tokens - count;
  return { state: { ...advanced, tokens }, waitMs: waitFor(tokens, advanced.rate) };
}

/** The provider answered 429: cut the rate by `decreaseFactor` (once per second at most) and drop the burst. */
export function slowPace(state: PaceState, settings: PaceSettings, nowMs: number): PaceState {
  const advanced = advancePace(state, settings, nowMs);
  const decrease = nowMs >= advanced.decreasedAtMs + DECREASE_INTERVAL_MS;
  return {
    ...advanced,
    tokens: Math.min(0, advanced.tokens),
    rate: decrease ? Math.max(settings.floorRate, advanced.rate * settings.decreaseFactor) : advanced.rate,
    decreasedAtMs: decrease ? nowMs : advanced.decreasedAtMs,
  };
}

/** Milliseconds until a bucket with `tokens` (negative: debt) refilling at `rate` is back at 0. */
export function waitFor(tokens: number, rate: number): number {
  return tokens >= 0 ? 0 : Math.ceil((-tokens / rate) * 1000);
}
