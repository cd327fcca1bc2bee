import { Logger } from './logger';
import { PollLoop } from './poll-loop';

const quietLogger = () => {
  const warnings: unknown[] = [];
  const errors: unknown[] = [];
  const logger = { warn: (fields: unknown) => warnings.push(fields), error: (fields: unknown) => errors.push(fields) } as unknown as Logger;
  return { logger, warnings, errors };
};

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('PollLoop', () => {
  it('runs rounds back to back while there is more work, then waits for the interval until notified', async () => {
    let rounds = 0;
    const { logger } = quietLogger();
    const loop = new PollLoop({ tick: async () => ++rounds <= 3, intervalMs: 60_000, logger, failureMessage: 'failed' });
    loop.start();
    await until(() => rounds === 4); // three with work, one that found none
    await new Promise((r) => setTimeout(r, 100));
    expect(rounds).toBe(4); // waiting for the interval

    loop.notify();
    await until(() => rounds === 5);
    await loop.stop();
  });

  it('waits the initial delay before its first round, and a stop ends that wait at once', async () => {
    let rounds = 0;
    const { logger } = quietLogger();
    const loop = new PollLoop({ tick: async () => (rounds++, false), intervalMs: 10, initialDelayMs: 60_000, logger, failureMessage: 'failed' });
    loop.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(rounds).toBe(0);
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(rounds).toBe(0);
  });

  it('logs each failed round with the count of failures in a row and keeps going', async () => {
    let rounds = 0;
    const { logger, warnings } = quietLogger();
    const loop = new PollLoop({
      tick: async () => {
        rounds++;
        if (rounds <= 3) throw new Error(`round ${rounds} failed`);
        return false;
      },
      intervalMs: 1,
      maxBackoffMs: 8,
      logger,
      failureMessage: 'failed',
    });
    loop.start();
    await until(() => rounds >= 4);
    await loop.stop();
    expect(warnings.map((w) => (w as { failures: number }).failures)).toEqual([1, 2, 3]);
  });

  it('waits the busy delay between rounds that report more work, and a notify cuts that wait short', async () => {
    let rounds = 0;
    const { logger } = quietLogger();
    const loop = new PollLoop({ tick: async () => (rounds++, true), intervalMs: 1, busyDelayMs: 60_000, logger, failureMessage: 'failed' });
    loop.start();
    await until(() => rounds === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(rounds).toBe(1);
    loop.notify();
    await until(() => rounds === 2);
    await loop.stop();
  });

  it('aborts the signal of the round in flight when stopped, and is started only once', async () => {
    const { logger } = quietLogger();
    let seen: AbortSignal | undefined;
    let rounds = 0;
    const loop = new PollLoop({
      tick: async (signal) => {
        rounds++;
        seen = signal;
        await new Promise((r) => setTimeout(r, 50));
        return false;
      },
      intervalMs: 60_000,
      logger,
      failureMessage: 'failed',
    });
    expect(loop.start()).toBe(true);
    expect(loop.start()).toBe(false);
    await until(() => seen !== undefined);
    expect(seen!.aborted).toBe(false);
    const stopped = loop.stop();
    expect(seen!.aborted).toBe(true);
    await stopped;
    expect(rounds).toBe(1);
  });

  it('logs failed rounds at the level asked for', async () => {
    let rounds = 0;
    const { logger, warnings, errors } = quietLogger();
    const loop = new PollLoop({
      tick: async () => {
        rounds++;
        throw new Error('down');
      },
      intervalMs: 1,
      maxBackoffMs: 1,
      logger,
      failureMessage: 'failed',
      failureLevel: 'error',
    });
    loop.start();
    await until(() => rounds >= 2);
    await loop.stop();
    expect(warnings).toEqual([]);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
