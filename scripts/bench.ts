/**
 * `npm run bench -- --accounts N [--provider-rps R] [--instances N | --instances payments=2]
 *  [--scaling A,B | --closes K [--gap S]] [--postgres own]`: a
 * month close on the local stack, measured. Prints accounts per second end to end, per-stage
 * throughput, p50/p99 latency from invoice to charge outcome and to invoice email, and the peak
 * resident memory of each service during the close; writes the figures to a JSON file (default
 * .run/bench/bench-<accounts>-<time>.json).
 *
 * `--provider-rps R`: the Stripe sandbox answers 429 beyond R requests/s (as Stripe does at about
 * 100 live), set once the accounts are seeded (seeding is not the measured part), and payments
 * gets a budget of 0.97·R (STRIPE_MAX_REQUESTS_PER_SECOND): a little below the limit, because the
 * limit is counted where requests arrive and they arrive with some jitter, while a 429 costs a
 * halving of the shared rate. The JSON then holds providerRps, chargesPerSecond (over the charge
 * stage: first to last charge outcome), rateLimited (429s the sandbox answered during the close),
 * chargeFailuresFromRateLimit and deadLetters (both must be 0) and when the last invoice, the last
 * invoice email and the last charge outcome happened.
 *
 * `--postgres own`: the services' databases live on the project's own cluster (infra/postgres:
 * autovacuum on, 2 GB of shared buffers, pg_stat_statements) instead of DATABASE_URL's server.
 * Wherever pg_stat_statements is loaded, each close's JSON holds its top statements by time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parseEvent } from '@billing/events';
import { TOPICS } from '@billing/events';
import { ROOT, SERVICE_NAMES, Stack, defaultStackOptions, parseInstances, procStat } from './stack/stack';
import * as pgStats from './pg-stats';
import { api, cliArg } from './scenario/client';
import { chargeBacklog, describeChargesWaiting, requestMonthClose, sandboxCharges, seed, seedUsage } from './scenario/month-close-scenario';
import { freshStack } from './scenario/reset';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** How many of `seconds` (whole epoch seconds) fall in each `window`-second window from the first. */
function perWindow(seconds: number[], window: number): number[] {
  if (seconds.length === 0) return [];
  const start = Math.min(...seconds);
  const counts = new Array<number>(Math.floor((Math.max(...seconds) - start) / window) + 1).fill(0);
  for (const s of seconds) counts[Math.floor((s - start) / window)]++;
  return counts;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far (clock ticks, USER_HZ 100). */
function cpuSeconds(pid: number): number {
  const fields = procStat(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : 0;
}

/**
 * CPU seconds of the whole PostgreSQL server: every live postgres process, plus what the
 * backends that already exited used (added to the postmaster's children times when reaped).
 */
function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let name = '';
    try {
      name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue; // gone meanwhile
    }
    const fields = name === 'postgres' ? procStat(entry) : null;
    if (!fields) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / 100;
}

/** The broker's pid, from the pid file infra/kafka/kafka.sh writes. */
function brokerPid(stack: Stack): number | null {
  const home = process.env.KAFKA_HOME_DIR ?? path.join(ROOT, '.cache', 'kafka');
  try {
    return Number(readFileSync(path.join(home, `broker-${stack.kafkaPort}`, 'broker.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

interface Timeline {
  invoiced?: number;
  /** A charge of this invoice failed because of the provider's rate limit (must never happen). */
  rateLimitFailure?: boolean;
  outcome?: number;
  /** A provider charge outcome (ChargeSucceeded / ChargeFailed), not a skip. */
  charged?: number;
  emailed?: number;
}

/** Share of the provider limit payments budgets for itself (see the header). */
const BUDGET_SHARE = 0.97;

/** Messages on the stack's dead-letter topic. */
async function deadLetterCount(kafka: Kafka, prefix: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(`${prefix}${TOPICS.deadLetter}`).catch(() => []);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

interface SandboxStats {
  totals: { requests: number; rateLimited: number };
}

/** What every close of one benchmark invocation shares. */
interface BenchSetup {
  stack: Stack;
  options: ReturnType<typeof defaultStackOptions> & { instances: Record<string, number> };
  kafka: Kafka;
  providerRps: number | null;
  budget: number | null;
  attachPdf: boolean;
  timeoutS: number;
  /** The server collects per-statement statistics (pg_stat_statements): each close reports its top statements. */
  statements: boolean;
}

/**
 * Live rows (the server's statistics) and bytes (heap, indexes and TOAST) of each service's outbox
 * and inbox, from the close's closing pgStats snapshot.
 */
function messagingTableSizes(stats: ReturnType<typeof pgStats.diff>): Record<string, { outboxRows: number; inboxRows: number; outboxMb: number; inboxMb: number }> {
  const mb = (bytes = 0) => Number((bytes / 1_048_576).toFixed(1));
  const of = (database: string, table: string) => stats.tables.find((t) => t.database === database && t.table === table);
  return Object.fromEntries(
    Object.keys(stats.databases).map((database) => {
      const [outbox, inbox] = [of(database, 'outbox'), of(database, 'inbox')];
      return [database, { outboxRows: outbox?.liveTuples ?? 0, inboxRows: inbox?.liveTuples ?? 0, outboxMb: mb(outbox?.bytes), inboxMb: mb(inbox?.bytes) }];
    }),
  );
}

/** The month `months` after (or before, if negative) `period` (YYYY-MM). */
function shiftPeriod(period: string, months: number): string {
  const [year, month] = period.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Seeds `count` accounts with usage in `period` on a stack reset to nothing. */
async function seedFresh(setup: BenchSetup, count: number, period: string) {
  await freshStack(setup.stack);
  const seedStart = Date.now();
  const seeded = await seed(setup.stack, count, period, 1234, (done) => {
    if (done % 1000 === 0) process.stdout.write(`\rseeding ${done}/${count}`);
  });
  console.log(`\nseeded ${seeded.accounts.length} accounts in ${((Date.now() - seedStart) / 1000).toFixed(1)}s`);
  return seeded;
}

/**
 * Requests the month close of `period` for `count` accounts and measures it until every invoice
 * of that period has its charge outcome and its invoice email. Counts only that period's
 * invoices, so earlier closes on the same stack do not mix in.
 */
async function measureClose(setup: BenchSetup, count: number, period: string) {
  const { stack, options, kafka, providerRps, budget, attachPdf, timeoutS } = setup;
  const { instances } = options;
  if (providerRps !== null) {
    // as STRIPE_SANDBOX_RATE_LIMIT would, but after seeding (the customers are not the measured part)
    await api(stack.url('stripe'), '/_sandbox/config', { method: 'POST', body: { rateLimit: { perSecond: providerRps } } });
  }
  const statsBefore = await api<SandboxStats>(stack.url('stripe'), '/_sandbox/stats');

  // observe the cascade on the topics, as a fresh consumer group
  const consumer = kafka.consumer({ groupId: `bench-${Date.now()}`, maxWaitTimeInMs: 200 });
  const timeline = new Map<string, Timeline>();
  /** Invoices of the measured period (charge outcomes and emails may be read before their invoice). */
  const ofPeriod = new Set<string>();
  const at = (invoiceId: string) => timeline.get(invoiceId) ?? (timeline.set(invoiceId, {}), timeline.get(invoiceId)!);
  await consumer.connect();
  await consumer.subscribe({
    topics: ['billing.invoices', 'billing.payments', 'billing.notifications'].map((t) => `${options.topicPrefix}${t}`),
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const parsed = parseEvent(JSON.parse(message.value!.toString()));
      if (!parsed.ok) return;
      const e = parsed.event;
      const time = Date.parse(e.occurredAt);
      if (e.type === 'InvoiceGenerated') {
        if (e.payload.period !== period) return;
        ofPeriod.add(e.payload.invoiceId);
        at(e.payload.invoiceId).invoiced = time;
      } else if (e.type === 'ChargeSucceeded' || e.type === 'ChargeFailed' || e.type === 'ChargeSkipped') {
        const t = at(e.payload.invoiceId);
        if (e.type === 'ChargeFailed' && e.payload.errorCode === 'rate_limit') t.rateLimitFailure = true;
        if (t.outcome === undefined) {
          t.outcome = time;
          if (e.type !== 'ChargeSkipped') t.charged = time;
        }
      } else if (e.type === 'EmailSent' && e.payload.template === 'invoice' && e.payload.invoiceId) {
        const t = at(e.payload.invoiceId);
        if (t.emailed === undefined) t.emailed = time;
      }
    },
  });
  /** Invoices of the period so far, and how many of them have a charge outcome and an email. */
  const progress = () => {
    let outcomes = 0;
    let emails = 0;
    for (const id of ofPeriod) {
      const t = timeline.get(id)!;
      if (t.outcome !== undefined) outcomes++;
      if (t.emailed !== undefined) emails++;
    }
    return { invoices: ofPeriod.size, outcomes, emails };
  };

  const processes = SERVICE_NAMES.flatMap((s) => stack.instances(s));
  const pids = Object.fromEntries(processes.map((s) => [s, stack.pid(s)!]));
  const peakRss: Record<string, number> = Object.fromEntries(processes.map((s) => [s, 0]));
  const sampler = setInterval(() => {
    for (const s of processes) peakRss[s] = Math.max(peakRss[s], rssMb(pids[s]));
  }, 250);
  // charges waiting for the provider's pace, polled beside the progress line. The count reads every
  // waiting invoice, and the server's CPU is part of what is measured: every 2 s where the pace is
  // the subject (--provider-rps), every 10 s otherwise (at 100,000 accounts a poll every 2 s was
  // 8.6 s of statement time, 80 ms a poll with ~15,000 charges waiting).
  const backlogPollMs = providerRps !== null ? 2_000 : 10_000;
  let waiting = '?';
  // [seconds after the request, charges waiting, shared pace rate]: whether the pace or the demand held charges back
  const paceSamples: [number, number, number | null, unknown][] = [];
  const backlogPoller = setInterval(() => {
    chargeBacklog(stack)
      .then((b) => {
        paceSamples.push([Date.now(), b.chargesWaiting, b.pace ? Math.round(b.pace.ratePerSecond) : null, b.pace?.thisProcess ?? null]);
        waiting = describeChargesWaiting({ count: b.chargesWaiting, ratePerSecond: b.pace?.ratePerSecond ?? null });
      })
      .catch(() => undefined);
  }, backlogPollMs);

  if (!(await pgStats.checkpoint(options.databaseUrl))) console.warn('CHECKPOINT refused: the seeding\'s dirty pages may be written during the close');
  // where the machine's cores go during the close
  const cpuPids: Record<string, number | null> = {
    ...pids,
    'stripe-sandbox': stack.pid('stripe-sandbox'),
    'smtp-capture': stack.pid('smtp-capture'),
    kafka: brokerPid(stack),
  };
  const cpuBefore = Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) : 0]));
  const postgresBefore = postgresCpuSeconds();
  // the server's CPU by database (and process kind), sampled every 2 s: which service's queries grow
  const postgresByProcess = new pgStats.CpuByProcess(options.databaseUrl);
  await postgresByProcess.sample();
  const postgresSampler = setInterval(() => void postgresByProcess.sample().catch(() => undefined), 2_000);
  // what PostgreSQL did during the close, per table (scripts/pg-stats.ts)
  const stackDatabases = SERVICE_NAMES.map((s) => stack.databaseName(s));
  const pgBefore = await pgStats.snapshot(options.databaseUrl, stackDatabases);
  if (setup.statements) await pgStats.resetStatements(options.databaseUrl);

  const requested = Date.now();
  const runId = await requestMonthClose(stack, period);
  const deadline = requested + timeoutS * 1000;
  let seen = progress();
  while (Date.now() < deadline && !(seen.invoices >= count && seen.outcomes >= count && seen.emails >= count)) {
    process.stdout.write(
      `\r[${period} ${((Date.now() - requested) / 1000).toFixed(0)}s] invoiced ${seen.invoices}  charge outcomes ${seen.outcomes}  charges waiting ${waiting}  invoice emails ${seen.emails}   `,
    );
    await new Promise((r) => setTimeout(r, 500));
    seen = progress();
  }
  clearInterval(sampler);
  clearInterval(backlogPoller);
  const cpuUsed: Record<string, number | null> = {
    ...Object.fromEntries(
      Object.entries(cpuPids).map(([k, pid]) => [k, pid ? Number((cpuSeconds(pid) - cpuBefore[k]).toFixed(1)) : null]),
    ),
    postgres: Number((postgresCpuSeconds() - postgresBefore).toFixed(1)),
  };
  clearInterval(postgresSampler);
  const postgresCpuByProcess = await postgresByProcess.finish();
  await consumer.disconnect();
  console.log('');
  await new Promise((r) => setTimeout(r, 1500)); // backends flush their table statistics at most once a second
  const pgDelta = pgStats.diff(pgBefore, await pgStats.snapshot(options.databaseUrl, stackDatabases));
  const statements = setup.statements ? await pgStats.topStatements(options.databaseUrl, stackDatabases, 25) : null;
  if (seen.invoices < count || seen.outcomes < count || seen.emails < count) throw new Error(`the close of ${period} did not finish within ${timeoutS}s`);

  const statsAfter = await api<SandboxStats>(stack.url('stripe'), '/_sandbox/stats');
  // the provider's own view (charge creation, 1 s resolution): outcomes are stamped when their batch commits
  const made = (await sandboxCharges(stack)).map((c) => c.created).filter((t) => t * 1000 >= requested - 1000);
  const providerSeconds = made.length === 0 ? 0 : Math.max(...made) - Math.min(...made) + 1;
  const deadLetters = await deadLetterCount(kafka, options.topicPrefix);
  const all = [...ofPeriod].map((id) => timeline.get(id)!);
  const chargeFailuresFromRateLimit = all.filter((t) => t.rateLimitFailure).length;
  const first = (key: keyof Timeline) => Math.min(...all.map((t) => Number(t[key])));
  const last = (key: keyof Timeline) => Math.max(...all.map((t) => Number(t[key])));
  const toCharge = all.map((t) => t.outcome! - t.invoiced!).sort((a, b) => a - b);
  const toEmail = all.map((t) => t.emailed! - t.invoiced!).sort((a, b) => a - b);
  const endToEndS = (Math.max(last('outcome'), last('emailed')) - requested) / 1000;
  const stage = (key: keyof Timeline) => {
    const seconds = Math.max(0.001, (last(key) - first(key)) / 1000);
    return { events: all.length, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(all.length / seconds) };
  };
  const charged = all.filter((t) => t.charged !== undefined).map((t) => t.charged!);
  const chargeStageS = Math.max(0.001, (Math.max(...charged) - Math.min(...charged)) / 1000);
  const chargesPerSecond = Number((charged.length / chargeStageS).toFixed(1));
  const since = (time: number) => ({ at: new Date(time).toISOString(), secondsAfterRequest: Number(((time - requested) / 1000).toFixed(1)) });
  return {
    accounts: count,
    period,
    instances,
    providerRps,
    paymentsBudgetPerSecond: budget,
    chargesPerSecond,
    providerCharges: charged.length,
    chargeStageSeconds: Number(chargeStageS.toFixed(1)),
    shareOfProviderLimit: providerRps === null ? null : Number((chargesPerSecond / providerRps).toFixed(3)),
    providerView: {
      charges: made.length,
      seconds: providerSeconds,
      perSecond: providerSeconds === 0 ? 0 : Number((made.length / providerSeconds).toFixed(1)),
      // charges the provider created in each 5-second window of the stage: where the pace idled
      perFiveSeconds: perWindow(made, 5),
    },
    paceSamples: paceSamples.map(([at, waitingCount, rate, thisProcess]) => [Math.round((at - requested) / 1000), waitingCount, rate, thisProcess]),
    rateLimited: statsAfter.totals.rateLimited - statsBefore.totals.rateLimited,
    providerRequests: statsAfter.totals.requests - statsBefore.totals.requests,
    chargeFailuresFromRateLimit,
    deadLetters,
    lastInvoice: since(last('invoiced')),
    lastInvoiceEmail: since(last('emailed')),
    lastChargeOutcome: since(last('outcome')),
    runId,
    machine: { cores: os.cpus().length, node: process.version },
    endToEndSeconds: Number(endToEndS.toFixed(2)),
    accountsPerSecond: Math.round(count / endToEndS),
    stages: { invoicing: stage('invoiced'), payments: stage('outcome'), notifications: stage('emailed') },
    latencyMs: {
      invoiceToChargeOutcome: { p50: percentile(toCharge, 50), p99: percentile(toCharge, 99) },
      invoiceToEmail: { p50: percentile(toEmail, 50), p99: percentile(toEmail, 99) },
    },
    peakRssMb: Object.fromEntries(Object.entries(peakRss).map(([k, v]) => [k, Math.round(v)])),
    cpuSeconds: cpuUsed,
    // PostgreSQL's CPU seconds by database or process kind (sampled; short-lived processes undercounted)
    postgresCpuByProcess,
    pgStats: pgDelta,
    // what PostgreSQL spent its time on, per statement (null where pg_stat_statements is not loaded)
    statements,
    attachPdf,
    // notifications' CPU per invoice email (every account gets one): compare runs with and without --attach-pdf
    notificationsCpuMsPerEmail: typeof cpuUsed.notifications === 'number' ? Number(((cpuUsed.notifications * 1000) / count).toFixed(1)) : null,
    at: new Date(requested).toISOString(),
  };
}

type CloseFigures = Awaited<ReturnType<typeof measureClose>>;

function printClose(figures: CloseFigures): void {
  const { accounts: count, providerRps } = figures;
  console.log(`end to end (${figures.period}): ${count} accounts in ${figures.endToEndSeconds}s = ${figures.accountsPerSecond} accounts/s`);
  for (const [name, s] of Object.entries(figures.stages)) console.log(`  ${name.padEnd(14)} ${s.perSecond} events/s over ${s.seconds}s`);
  console.log(`  invoice -> charge outcome  p50 ${figures.latencyMs.invoiceToChargeOutcome.p50} ms  p99 ${figures.latencyMs.invoiceToChargeOutcome.p99} ms`);
  console.log(`  invoice -> invoice email   p50 ${figures.latencyMs.invoiceToEmail.p50} ms  p99 ${figures.latencyMs.invoiceToEmail.p99} ms`);
  console.log(`  peak RSS (MB): ${Object.entries(figures.peakRssMb).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(
    `  charges ${figures.chargesPerSecond}/s over ${figures.chargeStageSeconds}s` +
      (providerRps === null ? '' : ` = ${(figures.shareOfProviderLimit! * 100).toFixed(1)} % of the ${providerRps}/s limit`) +
      ` (provider's view: ${figures.providerView.perSecond}/s over ${figures.providerView.seconds}s)` +
      `; 429s ${figures.rateLimited}; failures from 429 ${figures.chargeFailuresFromRateLimit}; dead letters ${figures.deadLetters}`,
  );
  console.log(
    `  last invoice +${figures.lastInvoice.secondsAfterRequest}s, last invoice email +${figures.lastInvoiceEmail.secondsAfterRequest}s, last charge outcome +${figures.lastChargeOutcome.secondsAfterRequest}s`,
  );
  console.log(`  CPU seconds during the close: ${Object.entries(figures.cpuSeconds).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}`);
  console.log(`  PostgreSQL CPU seconds by database or process (sampled): ${Object.entries(figures.postgresCpuByProcess).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  notifications CPU per invoice email: ${figures.notificationsCpuMsPerEmail ?? '?'} ms${figures.attachPdf ? ' (PDF attached)' : ''}`);
  console.log(pgStats.report(figures.pgStats, { accounts: count, top: 8 }));
  if (figures.statements) console.log(pgStats.statementsReport(figures.statements.slice(0, 12)));
}

const ratio = (a: number, b: number) => Number((a / b).toFixed(3));

/** One close of `count` accounts on a fresh stack (the default mode). */
async function single(setup: BenchSetup, count: number, period: string) {
  await seedFresh(setup, count, period);
  const figures = await measureClose(setup, count, period);
  printClose(figures);
  return { name: `bench-${count}`, figures };
}

/**
 * `--scaling A,B,…`: one close per size, each on a fresh stack, and the ratios of the last to the
 * first: accounts/s (linear cost: ≥ 0.9) and PostgreSQL CPU seconds (≤ 11 for 10k → 100k).
 */
async function scaling(setup: BenchSetup, sizes: number[], period: string) {
  const runs: CloseFigures[] = [];
  for (const size of sizes) {
    await seedFresh(setup, size, period);
    runs.push(await measureClose(setup, size, period));
    printClose(runs[runs.length - 1]);
  }
  const [small, large] = [runs[0], runs[runs.length - 1]];
  const throughputRatio = ratio(large.accountsPerSecond, small.accountsPerSecond);
  const postgresCpuRatio = ratio(large.cpuSeconds.postgres!, small.cpuSeconds.postgres!);
  console.log(
    `scaling ${small.accounts} -> ${large.accounts} accounts (×${large.accounts / small.accounts}): accounts/s ${small.accountsPerSecond} -> ${large.accountsPerSecond}` +
      ` (throughputRatio ${throughputRatio}, target ≥ 0.9); PostgreSQL CPU ${small.cpuSeconds.postgres}s -> ${large.cpuSeconds.postgres}s (postgresCpuRatio ${postgresCpuRatio})`,
  );
  return { name: `scaling-${sizes.join('-')}`, figures: { sizes, throughputRatio, postgresCpuRatio, runs } };
}

/**
 * `--closes K`: K month closes of the same accounts, one month after another (the last is
 * `--period`), with the messaging tables' sizes after each. Months are compressed into minutes:
 * the benchmark runs the services with OUTBOX_RETENTION and INBOX_RETENTION of 1 minute (a month
 * apart, 30 days of inbox retention has pruned the previous close) and waits between closes until
 * a maintenance round has pruned what the previous close left.
 */
async function consecutive(setup: BenchSetup, count: number, closes: number, lastPeriod: string, gapS: number) {
  const periods = Array.from({ length: closes }, (_, i) => shiftPeriod(lastPeriod, i - (closes - 1)));
  const { accounts } = await seedFresh(setup, count, periods[0]);
  const runs: (CloseFigures & { tablesAfter: ReturnType<typeof messagingTableSizes> })[] = [];
  for (const [i, period] of periods.entries()) {
    if (i > 0) {
      await seedUsage(setup.stack, accounts, period, 1234 + i);
      console.log(`usage for ${period} recorded; waiting ${gapS}s for the retention to prune the previous close`);
      await new Promise((r) => setTimeout(r, gapS * 1000));
    }
    const figures = await measureClose(setup, count, period);
    printClose(figures);
    const tablesAfter = messagingTableSizes(figures.pgStats);
    console.log(`  messaging tables after the close: ${Object.entries(tablesAfter).map(([s, t]) => `${s} outbox ${t.outboxRows} rows/${t.outboxMb} MB, inbox ${t.inboxRows} rows/${t.inboxMb} MB`).join('; ')}`);
    runs.push({ ...figures, tablesAfter });
  }
  const lastVsFirst = ratio(runs[runs.length - 1].endToEndSeconds, runs[0].endToEndSeconds);
  console.log(`closes: ${runs.map((r) => `${r.period} ${r.endToEndSeconds}s (${r.accountsPerSecond}/s, PostgreSQL ${r.cpuSeconds.postgres} CPU s)`).join(', ')}; last/first duration ${lastVsFirst}`);
  return { name: `closes-${closes}x${count}`, figures: { periods, lastVsFirstDuration: lastVsFirst, runs } };
}

/** Starts infra/postgres's cluster (a no-op when it is up) and returns its URL. */
function startOwnPostgres(): string {
  const script = path.join(ROOT, 'infra', 'postgres', 'postgres.sh');
  execFileSync('bash', [script, 'start'], { stdio: 'inherit' });
  return execFileSync('bash', [script, 'url']).toString().trim();
}

async function main() {
  const count = Number(cliArg('accounts') ?? '10000');
  const period = cliArg('period') ?? '2026-10';
  const timeoutS = Number(cliArg('timeout') ?? '1800');
  const providerRps = cliArg('provider-rps') === undefined ? null : Number(cliArg('provider-rps'));
  if (providerRps !== null && !(providerRps > 0)) throw new Error('--provider-rps must be a positive number');
  const budget = providerRps === null ? null : Math.floor(providerRps * BUDGET_SHARE * 100) / 100;
  const instances = parseInstances(cliArg('instances'));
  const sizes = cliArg('scaling')?.split(',').map(Number);
  if (sizes && (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n <= 0))) throw new Error('--scaling takes two or more account counts: --scaling 10000,100000');
  const closes = Number(cliArg('closes') ?? '1');
  if (!Number.isInteger(closes) || closes < 1) throw new Error('--closes must be a whole number ≥ 1');
  if (sizes && closes > 1) throw new Error('--scaling and --closes are separate runs');
  // --attach-pdf: every invoice email carries its PDF (INVOICE_EMAIL_ATTACH_PDF), to measure what that costs per email
  const attachPdf = process.argv.includes('--attach-pdf');
  const maintenanceIntervalMs = Number(process.env.MAINTENANCE_INTERVAL_MS ?? '10000');
  // --postgres own: the project's own cluster (infra/postgres: autovacuum on, buffers for the data, pg_stat_statements)
  const postgres = cliArg('postgres') ?? 'machine';
  if (postgres !== 'own' && postgres !== 'machine') throw new Error('--postgres takes own (infra/postgres) or machine (DATABASE_URL, default 127.0.0.1:5432)');
  const ownDatabaseUrl = postgres === 'own' ? startOwnPostgres() : null;
  const base = defaultStackOptions({
    ...process.env,
    ...(ownDatabaseUrl ? { DATABASE_URL: ownDatabaseUrl } : {}),
    // the benchmark measures the month close itself: dunning runs on its real schedule (days)
    DUNNING_RETRY_OFFSETS: process.env.DUNNING_RETRY_OFFSETS ?? '1d,3d,7d',
    DUNNING_HOLD_GRACE: process.env.DUNNING_HOLD_GRACE ?? '1d',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const options = {
    ...base,
    instances,
    env: {
      ...base.env,
      ...(budget === null ? {} : { STRIPE_MAX_REQUESTS_PER_SECOND: String(budget) }),
      ...(attachPdf ? { INVOICE_EMAIL_ATTACH_PDF: 'true' } : {}),
      // consecutive closes: a month between closes becomes a minute (see consecutive())
      ...(closes > 1
        ? {
            OUTBOX_RETENTION: process.env.OUTBOX_RETENTION ?? '1m',
            INBOX_RETENTION: process.env.INBOX_RETENTION ?? '1m',
            MAINTENANCE_INTERVAL_MS: String(maintenanceIntervalMs),
          }
        : {}),
    },
  };
  const stack = new Stack(options);
  const kafka = new Kafka({ clientId: 'bench', brokers: options.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const statements = await pgStats.statementsAvailable(options.databaseUrl);
  const setup: BenchSetup = { stack, options, kafka, providerRps, budget, attachPdf, timeoutS, statements };
  console.log(
    `benchmark: ${sizes ? `month closes of ${sizes.join(' then ')} accounts` : closes > 1 ? `${closes} consecutive month closes of ${count} accounts` : `month close of ${count} accounts`} on this machine` +
      (providerRps === null ? '' : `, provider limit ${providerRps}/s (payments budget ${budget}/s)`) +
      (Object.keys(instances).length ? `, instances ${JSON.stringify(instances)}` : '') +
      (attachPdf ? ', invoice emails with the PDF attached' : '') +
      `; PostgreSQL ${new URL(options.databaseUrl).host}${statements ? ' with pg_stat_statements' : ''}`,
  );
  const started = new Date().toISOString();
  const { name, figures } = sizes
    ? await scaling(setup, sizes, period)
    : closes > 1
      ? await consecutive(setup, count, closes, period, Number(cliArg('gap') ?? String(60 + (2 * maintenanceIntervalMs) / 1000)))
      : await single(setup, count, period);
  const out = cliArg('out') ?? path.join(ROOT, '.run', 'bench', `${name}-${started.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(`figures written to ${path.relative(ROOT, out)}; the stack keeps running (npm run stack:down)`);
}

main().catch((error) => {
  console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
