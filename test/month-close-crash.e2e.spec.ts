import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeKafkaPort } from '@billing/testing';
import { InstanceName, SERVICE_NAMES, ServiceName, Stack, StackOptions } from '../scripts/stack/stack';
import { capturedMail, requestMonthClose, sandboxCharges, seed, waitForCascade } from '../scripts/scenario/month-close-scenario';
import { DemoAccount, prng } from '../scripts/scenario/population';
import { verifyCascade } from '../scripts/scenario/verify';
import { destroyStack, privateStack } from './stack-fixture';

const run = promisify(execFile);
const kafkaScript = path.join(__dirname, '..', 'infra', 'kafka', 'kafka.sh');
const PERIOD = '2026-10';
const ACCOUNTS = 150;
const SEED = 11;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When each service is killed and restarted, and when the broker restarts (ms, from the run request). */
interface KillSchedule {
  seed: number;
  kills: { service: ServiceName; afterMs: number; restartAfterMs: number }[];
  brokerRestartAfterMs: number;
}

/** The kill schedule drawn from `seed`: the same seed gives the same order and pauses. */
function killSchedule(seed: number): KillSchedule {
  const random = prng(seed);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min));
  const order: ServiceName[] = [...SERVICE_NAMES];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const kills = order.map((service) => ({ service, afterMs: between(200, 2500), restartAfterMs: between(0, 1000) }));
  return { seed, kills, brokerRestartAfterMs: between(1000, 8000) };
}

/**
 * With two instances of each service: which instance of each is SIGKILLed, when (ms from the run
 * request, services in the schedule's order) and after how long it comes back. It stays away
 * longer than the session timeout, so the group moves its partitions to the survivor, and moves
 * some back when it rejoins.
 */
function instanceKillSchedule(seed: number, sessionTimeoutMs: number) {
  const random = prng(seed + 1);
  let at = 0;
  return killSchedule(seed).kills.map(({ service, afterMs, restartAfterMs }) => {
    at += afterMs;
    const instance: InstanceName = random() < 0.5 ? service : `${service}-2`;
    return { instance, atMs: at, restartAfterMs: sessionTimeoutMs + restartAfterMs };
  });
}

/** `CRASH_SEED=<n>` replays the schedule a failed run printed; otherwise a fresh one. */
function scheduleSeed(): number {
  const replay = process.env.CRASH_SEED;
  if (replay === undefined || replay === '') return Math.floor(Math.random() * 2 ** 31);
  if (!/^\d+$/.test(replay)) throw new Error(`CRASH_SEED must be a non-negative integer, got "${replay}"`);
  return Number(replay);
}

/** What a customer and finance see of one account, comparable across runs (accounts by index). */
interface AccountOutcome {
  currency: string;
  invoiceTotalMinor: number;
  providerAttempts: number;
  collected: number;
  onHold: boolean;
  emails: number;
}

async function outcomes(stack: Stack, accounts: DemoAccount[]): Promise<AccountOutcome[]> {
  const result = await verifyCascade(stack, PERIOD, accounts, { retriesPerDecline: 3 });
  expect(result.problems).toEqual([]);
  const charges = await sandboxCharges(stack);
  const mail = await capturedMail(stack);
  const holds = new Set(result.holds);
  return accounts.map((account) => {
    const invoice = result.invoices.find((i) => i.accountId === account.accountId)!;
    const mine = charges.filter((c) => c.metadata.invoice_id === invoice.invoiceId);
    return {
      currency: invoice.currency,
      invoiceTotalMinor: invoice.totalMinor,
      providerAttempts: mine.length,
      collected: mine.filter((c) => c.status === 'succeeded').reduce((s, c) => s + c.amount, 0),
      onHold: holds.has(account.accountId),
      // distinct Message-IDs: a copy re-sent after a crash is byte-identical and shows as one message
      emails: new Set(mail.filter((m) => m.to.includes(account.billingEmail)).map((m) => m.messageId)).size,
    };
  });
}

describe('the month-close cascade under crashes', () => {
  const kafkaHome = mkdtempSync(path.join(os.tmpdir(), 'crash-kafka-'));
  const env = {
    DUNNING_RETRY_OFFSETS: '1s,2s,3s',
    DUNNING_HOLD_GRACE: '1s',
    SCHEDULER_POLL_MS: '200',
    MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
    MONTH_CLOSE_POLL_MS: '200',
    MONTH_CLOSE_PAGE_SIZE: '25',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
  };
  let kafkaEnv: NodeJS.ProcessEnv;
  let stackOptions: Partial<StackOptions>;
  let crashFree: AccountOutcome[];
  let stack: Stack | undefined;

  beforeAll(async () => {
    const kafkaPort = await freeKafkaPort();
    kafkaEnv = { ...process.env, KAFKA_PORT: String(kafkaPort), KAFKA_HOME_DIR: kafkaHome, KAFKA_HEAP: '384m' };
    stackOptions = { kafkaBrokers: `127.0.0.1:${kafkaPort}`, env };
    // its own broker: this test restarts it, and other test files must not notice
    await run('bash', [kafkaScript, 'start'], { env: kafkaEnv });
  });

  // each test runs its own stack: the previous one's processes must not share the cores
  beforeEach(async () => {
    if (stack) await destroyStack(stack);
    stack = undefined;
  });

  afterAll(async () => {
    if (stack) await destroyStack(stack);
    if (kafkaEnv) await run('bash', [kafkaScript, 'stop'], { env: kafkaEnv }).catch(() => undefined);
    rmSync(kafkaHome, { recursive: true, force: true });
  });

  it('settles a crash-free run (the baseline)', async () => {
    stack = await privateStack('baseline', stackOptions);
    await stack.up({ startKafka: false });
    const { accounts } = await seed(stack, ACCOUNTS, PERIOD, SEED);
    const runId = await requestMonthClose(stack, PERIOD);
    await waitForCascade(stack, runId, PERIOD, { timeoutMs: 240_000 });
    crashFree = await outcomes(stack, accounts);
    await destroyStack(stack);
    stack = undefined;

    // What the crash run is compared with must be a settled month, not an empty or half-done one:
    // every account invoiced and emailed; a paying card charged at most once and never held; a
    // declined card charged (first attempt + 3 retries, or once when the customer must act) and
    // held; and money collected and holds placed in a zero- and a three-decimal currency.
    const byCard = (card: DemoAccount['card']) => crashFree.filter((_, i) => accounts[i].card === card);
    expect(crashFree).toHaveLength(ACCOUNTS);
    expect(crashFree.filter((o) => o.emails === 0)).toEqual([]);
    expect(byCard('pays').filter((o) => o.onHold || o.providerAttempts > 1 || (o.providerAttempts === 1) !== (o.collected > 0))).toEqual([]);
    const declined = [...byCard('declines_then_retries'), ...byCard('needs_customer_action')].filter((o) => o.providerAttempts > 0);
    expect(declined.filter((o) => !o.onHold || o.collected > 0)).toEqual([]);
    expect(byCard('declines_then_retries').filter((o) => o.providerAttempts > 0 && o.providerAttempts !== 4)).toEqual([]);
    expect(byCard('needs_customer_action').filter((o) => o.providerAttempts > 1)).toEqual([]);
    expect(declined.length).toBeGreaterThan(0);
    for (const currency of ['JPY', 'KWD']) {
      expect(crashFree.filter((o) => o.currency === currency && o.collected > 0).length).toBeGreaterThan(0);
    }
  });

  it('ends in the same state when every service is SIGKILLed at a random moment and the broker restarts', async () => {
    expect(crashFree).toBeDefined();
    stack = await privateStack('crash', stackOptions);
    const crashing = stack;
    await crashing.up({ startKafka: false });
    const { accounts } = await seed(crashing, ACCOUNTS, PERIOD, SEED);
    const killed: string[] = [];
    const schedule = killSchedule(scheduleSeed());
    // printed before the chaos starts, so a failing run can be replayed with CRASH_SEED
    process.stdout.write(`crash test kill schedule (replay with CRASH_SEED=${schedule.seed}): ${JSON.stringify(schedule)}\n`);

    const runId = await requestMonthClose(crashing, PERIOD);
    const chaos = (async () => {
      for (const { service, afterMs, restartAfterMs } of schedule.kills) {
        await sleep(afterMs);
        await crashing.stop(service, 'SIGKILL');
        killed.push(service);
        await sleep(restartAfterMs);
        await crashing.start(service);
      }
    })();
    const brokerRestart = (async () => {
      await sleep(schedule.brokerRestartAfterMs);
      await run('bash', [kafkaScript, 'stop'], { env: kafkaEnv });
      await run('bash', [kafkaScript, 'start'], { env: kafkaEnv });
    })();
    await Promise.all([chaos, brokerRestart]);
    expect(killed.sort()).toEqual([...SERVICE_NAMES].sort());

    await waitForCascade(crashing, runId, PERIOD, { timeoutMs: 420_000 });
    const afterCrashes = await outcomes(crashing, accounts);
    // same invoices, same charges (none doubled, none missing), same holds, same emails
    expect(afterCrashes).toEqual(crashFree);
  });

  it('ends in the same state with two instances of each service when one of each is SIGKILLed mid-close and its partitions move', async () => {
    expect(crashFree).toBeDefined();
    const instances = Object.fromEntries(SERVICE_NAMES.map((service) => [service, 2]));
    stack = await privateStack('crash2', { ...stackOptions, instances });
    const crashing = stack;
    await crashing.up({ startKafka: false });
    const { accounts } = await seed(crashing, ACCOUNTS, PERIOD, SEED);
    const seedValue = scheduleSeed();
    const schedule = instanceKillSchedule(seedValue, Number(env.CONSUMER_SESSION_TIMEOUT_MS));
    process.stdout.write(`two-instance crash schedule (replay with CRASH_SEED=${seedValue}): ${JSON.stringify(schedule)}\n`);

    const runId = await requestMonthClose(crashing, PERIOD);
    const killed: string[] = [];
    await Promise.all(
      schedule.map(async ({ instance, atMs, restartAfterMs }) => {
        await sleep(atMs);
        await crashing.stop(instance, 'SIGKILL');
        killed.push(instance);
        await sleep(restartAfterMs);
        await crashing.start(instance);
      }),
    );
    expect(killed.map((name) => name.replace(/-2$/, '')).sort()).toEqual([...SERVICE_NAMES].sort());

    await waitForCascade(crashing, runId, PERIOD, { timeoutMs: 300_000 });
    // per account, what a crash-free run with one instance each settled
    expect(await outcomes(crashing, accounts)).toEqual(crashFree);
  }, 420_000);
});
