/**
 * One fuzzing session against a running stack: the API property, then the month closes the
 * fuzzed data asks for (each must reach a terminal state with its failures listed, and the
 * period's reconciliation report must come out empty), then the topic property. Used by the
 * seeded short run in `npm test` (test/fuzz.e2e.spec.ts) and by `npm run fuzz`.
 */
import { randomUUID } from 'node:crypto';
import { DEV_TOKENS, Stack } from '../../scripts/stack/stack';
import { api } from '../../scripts/scenario/client';
import { reconciliationLists, reportFor, stripeClient } from '../../scripts/scenario/month-close-scenario';
import { ApiFuzzStats, FUZZ_PERIODS, FuzzWorld, fuzzApi } from './api-fuzz';
import { TopicFuzzStats, fuzzTopics } from './topic-fuzz';

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Bad messages for the topic property (default: a tenth of the runs, at least 10). */
  messages?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface MonthCloseOutcome {
  period: string;
  status: string;
  invoiced: number;
  failed: number;
  failures: unknown[];
}

export interface FuzzReport {
  seed: number;
  api: ApiFuzzStats;
  monthCloses: MonthCloseOutcome[];
  topics: TopicFuzzStats;
}

/** Service settings of a fuzzed stack: fast dunning, and a webhook secret so the webhook endpoint checks signatures. */
export const FUZZ_STACK_ENV: Record<string, string> = {
  DUNNING_RETRY_OFFSETS: '1s,2s,3s',
  DUNNING_HOLD_GRACE: '1s',
  SCHEDULER_POLL_MS: '200',
  MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
  MONTH_CLOSE_POLL_MS: '200',
  STRIPE_WEBHOOK_SECRET: 'whsec_fuzz_only',
};

const TERMINAL = new Set(['completed', 'completed_with_failures']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Progress {
  runId: string;
  status: string;
  invoiced: number;
  failed: number;
  failures?: unknown[];
}

/** Requests every fuzz period's close and checks each run ends, lists its failures, and reconciles. */
export async function checkMonthCloses(stack: Stack, timeoutMs: number): Promise<MonthCloseOutcome[]> {
  const invoicing = stack.url('invoicing');
  const outcomes: MonthCloseOutcome[] = [];
  for (const period of FUZZ_PERIODS) {
    const { runId } = await api<{ runId: string }>(invoicing, '/v1/month-closes', { token: DEV_TOKENS.operator, method: 'POST', body: { period } });
    const deadline = Date.now() + timeoutMs;
    let run: Progress;
    for (;;) {
      run = await api<Progress>(invoicing, `/v1/month-closes/${runId}`, { token: DEV_TOKENS.operator });
      if (TERMINAL.has(run.status)) break;
      if (Date.now() > deadline) throw new Error(`month close ${period} did not end within ${timeoutMs / 1000}s: ${JSON.stringify(run)}`);
      await sleep(500);
    }
    const failures = run.failures ?? [];
    if (run.failed > 0 && (run.status !== 'completed_with_failures' || failures.length === 0)) {
      throw new Error(`month close ${period} failed ${run.failed} accounts but does not list them: ${JSON.stringify(run)}`);
    }
    for (const failure of failures) {
      const f = failure as { accountId?: string; code?: string; reason?: string };
      if (!f.accountId || !f.code || !f.reason) throw new Error(`month close ${period} lists a failure without account, code or reason: ${JSON.stringify(f)}`);
    }
    outcomes.push({ period, status: run.status, invoiced: run.invoiced, failed: run.failed, failures });
  }
  for (const period of FUZZ_PERIODS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await reportFor<Record<string, unknown>>(stack, `/v1/reports/reconciliation?period=${period}&limit=100`);
      const open = Object.entries(reconciliationLists(report)).filter(([, list]) => list.length > 0);
      if (open.length === 0) break;
      if (Date.now() > deadline) throw new Error(`reconciliation of ${period} is not empty after the cascade: ${JSON.stringify(Object.fromEntries(open)).slice(0, 2000)}`);
      await sleep(1_000);
    }
  }
  return outcomes;
}

export async function runFuzz(stack: Stack, options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 180_000;
  const customer = await stripeClient(stack).customers.create({ name: 'Fuzz Customer', email: 'fuzz@example.com' });
  const world: FuzzWorld = { accountIds: [], usageIds: [], providerCustomerId: customer.id };
  // a few well-formed accounts so the first requests already have something to hit
  for (const [currency, timeZone, locale] of [
    ['USD', 'America/Los_Angeles', 'en-US'],
    ['JPY', 'Asia/Tokyo', 'ja-JP'],
    ['KWD', 'Asia/Kuwait', 'ar-KW'],
  ]) {
    const accountId = randomUUID();
    await api(stack.url('invoicing'), '/v1/accounts', {
      token: DEV_TOKENS.operator,
      method: 'POST',
      body: { accountId, name: `Fuzz ${currency}`, billingEmail: `fuzz-${currency.toLowerCase()}@example.com`, currency, timeZone, locale, providerCustomerId: customer.id, paymentMethodId: 'pm_card_visa' },
    });
    world.accountIds.push(accountId);
  }
  log(`fuzz: API property, ${options.runs} runs, seed ${options.seed}`);
  const apiStats = await fuzzApi(stack, world, { runs: options.runs, seed: options.seed });
  log(`fuzz: ${apiStats.requests} requests ${JSON.stringify(apiStats.byStatus)}; month closes of ${FUZZ_PERIODS.join(', ')}`);
  const monthCloses = await checkMonthCloses(stack, timeoutMs);
  for (const m of monthCloses) log(`fuzz: month close ${m.period} ${m.status}: invoiced ${m.invoiced}, failed ${m.failed}`);
  const messages = options.messages ?? Math.max(10, Math.round(options.runs / 10));
  log(`fuzz: topic property, ${messages} bad messages`);
  const topics = await fuzzTopics(stack, { runs: messages, seed: options.seed, accountId: world.accountIds[0], timeoutMs });
  log(`fuzz: ${topics.produced} bad messages ${JSON.stringify(topics.byKind)}, ${topics.deadLetters} dead letters, every consumer went on`);
  return { seed: options.seed, api: apiStats, monthCloses, topics };
}
