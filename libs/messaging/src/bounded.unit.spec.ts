import { mapBounded, settleBounded } from './bounded';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight -= 1;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 60, 70, 80, 90, 100]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure, lets the calls in flight finish, and throws the failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('boom');
      await tick();
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([1]); // the call in flight finished
  });

  it('returns an empty list for no items', async () => {
    expect(await mapBounded([], 8, async () => 1)).toEqual([]);
  });
});

describe('settleBounded', () => {
  it('keeps at most `concurrency` calls in flight, goes on after failures, and settles each item in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const settled = await settleBounded([3, 1, 2, 4], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight -= 1;
      if (n % 2 === 0) throw new Error(`even ${n}`);
      return n;
    });
    expect(settled).toEqual([
      { ok: true, value: 3 },
      { ok: true, value: 1 },
      { ok: false, error: new Error('even 2') },
      { ok: false, error: new Error('even 4') },
    ]);
    expect(peak).toBe(2);
  });
});
