import { PaceState, acquirePace, advancePace, initialPace, pacedBatchSize, paceSettings, slowPace, tokensPerStatement, acquirePlan, nextRoundTrip } from './provider-pace';

describe('provider pace (token bucket with AIMD rate)', () => {
  const settings = paceSettings(20, 2); // 20 calls/s, burst 2, floor 1/s, ×0.8 on a 429, +2/s per second

  /** Acquires one token at a time as fast as allowed for `seconds`; returns the release times. */
  function drain(state: PaceState, seconds: number): { releases: number[]; state: PaceState } {
    const releases: number[] = [];
    let now = state.updatedAtMs;
    let current = state;
    while (now < state.updatedAtMs + seconds * 1000) {
      const { state: next, waitMs } = acquirePace(current, settings, 1, now);
      current = next;
      now += waitMs;
      releases.push(now);
    }
    return { releases, state: current };
  }

  it('lets the burst go at once, then makes the caller wait for the tokens it takes beyond', () => {
    const start = initialPace(settings, 0);
    const first = acquirePace(start, settings, 2, 0);
    expect(first.waitMs).toBe(0);
    const second = acquirePace(first.state, settings, 3, 0);
    expect(second.waitMs).toBe(150); // 3 tokens of debt at 20/s
    expect(second.state.tokens).toBe(-3);
  });

  it('never releases more than rate × T + burst calls in T seconds', () => {
    const { releases } = drain(initialPace(settings, 0), 5);
    for (let from = 0; from < 4000; from += 250) {
      const inWindow = releases.filter((t) => t >= from && t < from + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(20 + 2);
    }
    expect(releases.filter((t) => t < 5000).length).toBeGreaterThanOrEqual(5 * 20);
  });

  it('refills at the rate but never above the burst', () => {
    const empty = acquirePace(initialPace(settings, 0), settings, 2, 0).state;
    expect(advancePace(empty, settings, 50).tokens).toBeCloseTo(1);
    expect(advancePace(empty, settings, 10_000).tokens).toBe(2);
  });

  it('cuts the rate to 80 % on a 429 and drops the saved-up burst', () => {
    const slowed = slowPace(initialPace(settings, 0), settings, 0);
    expect(slowed.rate).toBe(16);
    expect(slowed.tokens).toBe(0);
  });

  it('cuts only once per second however many calls of one wave are refused', () => {
    let state = slowPace(initialPace(settings, 0), settings, 0);
    state = slowPace(state, settings, 300);
    state = slowPace(state, settings, 900);
    expect(state.rate).toBe(16);
    expect(slowPace(state, settings, 1000).rate).toBeCloseTo(12.8);
  });

  it('in a storm (a 429 every second) keeps cutting: a fifth of the budget within 8 s, never below the floor', () => {
    let state = initialPace(settings, 0);
    const rates: number[] = [];
    for (let second = 0; second < 30; second++) {
      state = slowPace(state, settings, second * 1000);
      rates.push(state.rate);
    }
    expect(rates[7]).toBeLessThanOrEqual(20 / 5);
    expect(rates.every((rate, i) => i === 0 || rate <= rates[i - 1])).toBe(true);
    expect(state.rate).toBe(1);
  });

  it('adds 10 % of the budget back per second without a 429, from one second after the decrease, up to the budget', () => {
    const slowed = slowPace(initialPace(settings, 0), settings, 0); // 16/s
    expect(advancePace(slowed, settings, 1000).rate).toBe(16); // the second after a decrease does not count
    expect(advancePace(slowed, settings, 2500).rate).toBeCloseTo(19); // + 1.5 s × 2/s
    expect(advancePace(slowed, settings, 60_000).rate).toBe(20);
  });

  it('makes callers wait longer after a 429 (the debt is paid back at the lower rate)', () => {
    const slowed = slowPace(initialPace(settings, 0), settings, 0);
    expect(acquirePace(slowed, settings, 4, 0).waitMs).toBe(250); // 4 tokens at 16/s
  });

  it('takes about one second of the budget per paced batch, within 10 and the service batch size', () => {
    expect(pacedBatchSize(97, 500)).toBe(97);
    expect(pacedBatchSize(2.5, 500)).toBe(10);
    expect(pacedBatchSize(2_000, 500)).toBe(500);
    expect(pacedBatchSize(97, 5)).toBe(5);
  });

  it('takes a tenth of a second of the budget per acquiring statement, never less than a burst, and spaces such a group by its debt', () => {
    expect(tokensPerStatement(paceSettings(97))).toBe(10);
    expect(tokensPerStatement(paceSettings(20, 4))).toBe(4);
    expect(tokensPerStatement(paceSettings(0.5))).toBe(1);
    // 10 tokens from a full bucket of 4 at 97/s: the last is paid for 6/97 s later
    const settings = paceSettings(97);
    const { waitMs } = acquirePace(initialPace(settings, 0), settings, tokensPerStatement(settings), 0);
    expect(waitMs).toBe(Math.ceil((6 / 97) * 1000));
  });

  it('sizes a statement to twice its round trip of tokens and holds slots two round trips ahead, within bounds', () => {
    const settings = paceSettings(97);
    expect(acquirePlan(settings, 10)).toEqual({ tokens: 10, horizonMs: 250 }); // a fast database: a tenth of a second a statement
    expect(acquirePlan(settings, 180)).toEqual({ tokens: 35, horizonMs: 460 }); // 0.36 s of tokens per 0.18 s round trip
    expect(acquirePlan(settings, 2_000)).toEqual({ tokens: 49, horizonMs: 1_000 }); // at most half a second, a second ahead
    expect(acquirePlan(paceSettings(20, 4), 0).tokens).toBe(4);
  });

  it('follows a slower round trip at once and a faster one slowly', () => {
    expect(nextRoundTrip(20, 180)).toBe(100);
    expect(nextRoundTrip(100, 20)).toBeCloseTo(92);
  });
});
