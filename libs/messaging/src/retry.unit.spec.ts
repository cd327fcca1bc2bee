import { backoffDelay, retry } from './retry';

describe('retry', () => {
  const noSleep = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it('calls at most `attempts` times and rethrows the last failure unchanged', async () => {
    const { waits, sleep } = noSleep();
    const calls: number[] = [];
    const last = new Error('third');
    const outcome = retry(
      async (attempt) => {
        calls.push(attempt);
        throw attempt === 3 ? last : new Error(`call ${attempt}`);
      },
      { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5, sleep },
    );
    await expect(outcome).rejects.toBe(last);
    expect(calls).toEqual([1, 2, 3]);
    expect(waits).toEqual([50, 100]); // half of 100, half of 200: full jitter over the doubling step
  });

  it('returns the first success without further calls', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const value = await retry(
      async () => {
        calls += 1;
        if (calls < 2) throw new Error('blip');
        return 'ok';
      },
      { attempts: 5, baseDelayMs: 10, maxDelayMs: 10, random: () => 0.99, sleep },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(2);
    expect(waits).toEqual([9]);
  });

  it('does not retry a failure the caller says is not retryable', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const refusal = new Error('refused for good');
    await expect(
      retry(
        async () => {
          calls += 1;
          throw refusal;
        },
        { attempts: 5, baseDelayMs: 10, maxDelayMs: 10, retryable: (e) => e !== refusal, sleep },
      ),
    ).rejects.toBe(refusal);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('caps the jittered delay at maxDelayMs and never waits longer than the cap', () => {
    expect(backoffDelay(1, 250, 4_000, () => 0.999999)).toBe(249);
    expect(backoffDelay(10, 250, 4_000, () => 0.999999)).toBe(3_999);
    expect(backoffDelay(10, 250, 4_000, () => 0)).toBe(0);
  });

  it('stops at once when aborted while waiting, with the abort reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const outcome = retry(
      async () => {
        calls += 1;
        throw new Error('down');
      },
      { attempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 1 - Number.EPSILON, signal: controller.signal },
    );
    await new Promise((r) => setImmediate(r)); // the first call failed; the long wait has begun
    controller.abort(new Error('shutting down'));
    await expect(outcome).rejects.toThrow('shutting down');
    expect(calls).toBe(1);
  });

  it('refuses a budget below one call', async () => {
    await expect(retry(async () => 1, { attempts: 0, baseDelayMs: 1, maxDelayMs: 1 })).rejects.toThrow(RangeError);
  });

  it('waits the capped doubling step itself when told not to jitter', async () => {
    const { waits, sleep } = noSleep();
    await expect(
      retry(
        async () => {
          throw new Error('down');
        },
        { attempts: 5, baseDelayMs: 500, maxDelayMs: 5_000, jitter: false, random: () => 0, sleep },
      ),
    ).rejects.toThrow('down');
    expect(waits).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('keeps calling without a bound on attempts until the caller says a failure is not retryable', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error(`call ${calls}`);
        },
        { attempts: Infinity, baseDelayMs: 500, maxDelayMs: 5_000, jitter: false, retryable: () => calls < 7, sleep },
      ),
    ).rejects.toThrow('call 7');
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
