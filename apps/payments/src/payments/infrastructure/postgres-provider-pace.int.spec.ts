import { DataSource } from 'typeorm';
import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName } from '@billing/testing';
import { paymentsMigrations } from '../../database';
import { PaceState, acquirePace, initialPace, paceSettings, slowPace } from '../domain/provider-pace';
import { PostgresPaceBucket, PostgresProviderPace } from './postgres-provider-pace';
import { SlotRelease } from './slot-release';

describe('the provider pace shared in PostgreSQL (real database)', () => {
  const database = uniqueName('payments_pace');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openServiceDatabase({
      serverUrl: DATABASE_SERVER_URL,
      database,
      migrations: paymentsMigrations,
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('computes in one UPDATE exactly what the pure pace computes, step by step', async () => {
    const settings = paceSettings(20, 2);
    const bucket = new PostgresPaceBucket(dataSource, 'replay', settings);
    await bucket.ensure();
    const t0 = Date.parse('2026-12-01T00:00:00.000Z');
    await dataSource.query(`UPDATE provider_pace SET updated_at = $2 WHERE limiter = $1`, [bucket.limiter, new Date(t0).toISOString()]);
    let expected: PaceState = initialPace(settings, t0);
    const steps: { kind: 'acquire' | 'slow'; atMs: number; count?: number }[] = [
      { kind: 'acquire', atMs: 0, count: 2 },
      { kind: 'acquire', atMs: 10, count: 3 },
      { kind: 'slow', atMs: 40 },
      { kind: 'slow', atMs: 400 }, // within the second: no second cut
      { kind: 'acquire', atMs: 700, count: 4 },
      { kind: 'slow', atMs: 1500 },
      { kind: 'acquire', atMs: 4000, count: 1 },
      { kind: 'acquire', atMs: 9000, count: 2 },
    ];
    for (const step of steps) {
      const at = new Date(t0 + step.atMs);
      if (step.kind === 'acquire') {
        const pure = acquirePace(expected, settings, step.count!, at.getTime());
        const row = await bucket.acquire(step.count!, at);
        expected = pure.state;
        expect(row.waitMs).toBe(pure.waitMs);
        expect(row.atMs).toBe(at.getTime()); // slots count from when the statement ran, on the bucket's clock
      } else {
        expected = slowPace(expected, settings, at.getTime());
        await bucket.slowDown(at);
      }
      const row = await bucket.read();
      expect(row!.tokens).toBeCloseTo(expected.tokens, 6);
      expect(row!.rate).toBeCloseTo(expected.rate, 6);
    }
  });

  it('keeps two instances sharing one bucket under the budget together (~3 s)', async () => {
    const budget = 20;
    const settings = paceSettings(budget, 2);
    // each instance: its pace over the shared bucket, and its own sender letting the calls out at their slots
    const instances = [0, 1].map(() => {
      const release = new SlotRelease();
      return { release, pace: new PostgresProviderPace(new PostgresPaceBucket(dataSource, 'shared', settings), async () => release.stats(), 200) };
    });
    const grants: number[] = [];
    const heartbeats = [0, 0];
    const until = Date.now() + 3000;
    // 8 callers per instance, each taking one call after another as fast as the pace allows
    await Promise.all(
      instances.flatMap(({ pace, release }, i) =>
        Array.from({ length: 8 }, async () => {
          while (Date.now() < until) {
            if (await release.wait(await pace.take(async () => void heartbeats[i]++))) grants.push(Date.now());
          }
        }),
      ),
    );
    const start = Math.min(...grants);
    const inWindow = (from: number) => grants.filter((t) => t >= from && t < from + 1000).length;
    for (let from = start; from + 1000 <= start + 3000; from += 100) {
      expect(inWindow(from)).toBeLessThanOrEqual(budget + settings.burst + 1); // +1: timer granularity at the edges
    }
    const seconds = (Math.max(...grants) - start) / 1000;
    expect(grants.length / seconds).toBeGreaterThan(0.8 * budget);
    expect(grants.length / seconds).toBeLessThanOrEqual(budget + settings.burst / seconds + 1);
    expect(heartbeats[0] + heartbeats[1]).toBeGreaterThan(0); // waiting callers kept their consumer alive
  });
  it('lets the calls of an earlier batch (lower turn) out first, and reports what it let out and when it idled', async () => {
    const release = new SlotRelease();
    const pace = new PostgresProviderPace(new PostgresPaceBucket(dataSource, 'turns', paceSettings(50, 1)), async () => release.stats());
    const order: string[] = [];
    const calls = (batch: string, turn: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        pace
          .take(async () => undefined, turn)
          .then((slot) => release.wait(slot))
          .then(() => order.push(`${batch}${i}`)),
      );
    // the later batch asks first; the earlier batch's calls still overtake every one not yet acquired
    const later = calls('later', 2, 6);
    const earlier = calls('earlier', 1, 6);
    await Promise.all([...later, ...earlier]);
    const lastEarlier = Math.max(...order.map((c, i) => (c.startsWith('earlier') ? i : -1)));
    const laterBeforeThat = order.slice(0, lastEarlier).filter((c) => c.startsWith('later')).length;
    // only the first group (acquired before the earlier batch asked) goes ahead of it
    expect(laterBeforeThat).toBeLessThanOrEqual(1);
    expect(order.filter((c) => c.startsWith('later'))).toEqual(['later0', 'later1', 'later2', 'later3', 'later4', 'later5']);
    const report = await pace.current();
    expect(report!.thisProcess).toMatchObject({ granted: 12, released: 12 });
    await new Promise((r) => setTimeout(r, 120));
    expect((await pace.current())!.thisProcess.idleMs).toBeGreaterThanOrEqual(100);
  });
});
