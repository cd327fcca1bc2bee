import { defaultBurst, TokenBucket } from './rate-limit';

/** How many of `count` requests at `nowMs` the bucket lets through. */
const admitted = (bucket: TokenBucket, nowMs: number, count: number) =>
  Array.from({ length: count }, () => bucket.tryTake(nowMs)).filter(Boolean).length;

describe('token bucket', () => {
  it('lets a full burst through at once and refuses the next request', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 10 }, 0);

    expect(admitted(bucket, 0, 10)).toBe(10);
    expect(bucket.tryTake(0)).toBe(false);
  });

  it('refills at the rate: 100 per second gives one token every 10 ms', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 10 }, 0);
    admitted(bucket, 0, 10);

    expect(bucket.tryTake(9)).toBe(false);
    expect(bucket.tryTake(10)).toBe(true);
    expect(bucket.tryTake(10)).toBe(false);
    expect(admitted(bucket, 60, 10)).toBe(5);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 10 }, 0);

    expect(admitted(bucket, 60_000, 50)).toBe(10);
  });

  it('admits at most rate × time + burst over a span of steady demand', () => {
    const bucket = new TokenBucket({ perSecond: 25, burst: 3 }, 0);
    let passed = 0;
    for (let ms = 0; ms <= 2000; ms += 1) passed += admitted(bucket, ms, 5);

    expect(passed).toBe(25 * 2 + 3);
  });

  it('keeps fractional refills: 0.5 per second lets one request through every two seconds', () => {
    const bucket = new TokenBucket({ perSecond: 0.5, burst: 1 }, 0);

    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(1999)).toBe(false);
    expect(bucket.tryTake(2000)).toBe(true);
  });

  it('refills nothing when the clock steps back', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 1 }, 1000);
    bucket.tryTake(1000);

    expect(bucket.tryTake(500)).toBe(false);
    expect(bucket.tryTake(1010)).toBe(true);
  });

  it.each([
    [100, 10],
    [25, 3],
    [4, 1],
    [0.5, 1],
  ])('defaults the burst for %d per second to %d', (perSecond, burst) => {
    expect(defaultBurst(perSecond)).toBe(burst);
  });
});
