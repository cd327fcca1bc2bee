import { Stack } from '../scripts/stack/stack';
import { FUZZ_STACK_ENV, runFuzz } from './fuzz/run-fuzz';
import { destroyStack, privateStack } from './stack-fixture';

/**
 * The short, seeded fuzz run of `npm test` (the long one is `npm run fuzz -- --runs N --seed S`).
 * FUZZ_SEED replays another seed; a failure names the seed it ran with.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

describe('fuzzing the public API and the input topics (fast-check, seeded)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await privateStack('fuzz', { env: { ...FUZZ_STACK_ENV, CONSUMER_CONCURRENCY: '4' } });
    await stack.up({ startKafka: false });
  });

  afterAll(async () => {
    if (stack) await destroyStack(stack);
  });

  it(`never answers 5xx, writes nothing on a 4xx, ends every month close with its failures listed, reconciles, and dead-letters each bad message once (seed ${SEED})`, async () => {
    const report = await runFuzz(stack, { runs: 60, seed: SEED, messages: 30, timeoutMs: 120_000 });
    expect(report.api.requests).toBeGreaterThanOrEqual(60);
    expect(report.api.byStatus['2xx']).toBeGreaterThan(0);
    expect(report.api.byStatus['4xx']).toBeGreaterThan(0);
    expect(report.monthCloses.map((m) => m.status).every((s) => s === 'completed' || s === 'completed_with_failures')).toBe(true);
    expect(report.topics.deadLetters).toBeGreaterThanOrEqual(report.topics.produced);
  });
});
