/**
 * `npm run bench -- --accounts N [--provider-rps R] [--instances N | --instances payments=2]`: a
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
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parseEvent } from '@billing/events';
import { TOPICS } from '@billing/events';
import { ROOT, SERVICE_NAMES, Stack, defaultStackOptions, parseInstances, procStat } from './stack/stack';
import * as pgStats from './pg-stats';
import { api, cliArg } from './scenario/client';
import { chargeBacklog, describeChargesWaiting, requestMonthClose, sandboxCharges, seed } from './scenario/month-close-scenario';
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

async function main() {
  const count = Number(cliArg('accounts') ?? '10000');
  const period = cliArg('period') ?? '2026-10';
  const timeoutS = Number(cliArg('timeout') ?? '1800');
  const providerRps = cliArg('provider-rps') === undefined ? null : Number(cliArg('provider-rps'));
  if (providerRps !== null && !(providerRps > 0)) throw new Error('--provider-rps must be a positive number');
  const budget = providerRps === null ? null : Math.floor(providerRps * BUDGET_SHARE * 100) / 100;
  const instances = parseInstances(cliArg('instances'));
  // --attach-pdf: every invoice email carries its PDF (INVOICE_EMAIL_ATTACH_PDF), to measure what that costs per email
  const attachPdf = process.argv.includes('--attach-pdf');
  const base = defaultStackOptions({
    ...process.env,
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
    },
  };
  const stack = new Stack(options);
  console.log(
    `benchmark: month close of ${count} accounts on this machine` +
      (providerRps === null ? '' : `, provider limit ${providerRps}/s (payments budget ${budget}/s)`) +
      (Object.keys(instances).length ? `, instances ${JSON.stringify(instances)}` : '') +
      (attachPdf ? ', invoice emails with the PDF attached' : ''),
  );
  await freshStack(stack);
  const seedStart = Date.now();
  const { accounts } = await seed(stack, count, period, 1234, (done) => {
    if (done % 1000 === 0) process.stdout.write(`\rseeding ${done}/${count}`);
  });
  console.log(`\nseeded ${accounts.length} accounts in ${((Date.now() - seedStart) / 1000).toFixed(1)}s`);
  if (providerRps !== null) {
    // as STRIPE_SANDBOX_RATE_LIMIT would, but after seeding (the customers are not the measured part)
    await api(stack.url('stripe'), '/_sandbox/config', { method: 'POST', body: { rateLimit: { perSecond: providerRps } } });
  }
  const statsBefore = await api<SandboxStats>(stack.url('stripe'), '/_sandbox/stats');

  // observe the cascade on the topics, as a fresh consumer group
  const kafka = new Kafka({ clientId: 'bench', brokers: options.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${Date.now()}`, maxWaitTimeInMs: 200 });
  const timeline = new Map<string, Timeline>();
  let invoices = 0;
  let outcomes = 0;
  let emails = 0;
  let chargeFailuresFromRateLimit = 0;
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
        const t = at(e.payload.invoiceId);
        if (t.invoiced === undefined) invoices++;
        t.invoiced = time;
      } else if (e.type === 'ChargeSucceeded' || e.type === 'ChargeFailed' || e.type === 'ChargeSkipped') {
        const t = at(e.payload.invoiceId);
        if (e.type === 'ChargeFailed' && e.payload.errorCode === 'rate_limit') chargeFailuresFromRateLimit++;
        if (t.outcome === undefined) {
          outcomes++;
          t.outcome = time;
          if (e.type !== 'ChargeSkipped') t.charged = time;
        }
      } else if (e.type === 'EmailSent' && e.payload.template === 'invoice' && e.payload.invoiceId) {
        const t = at(e.payload.invoiceId);
        if (t.emailed === undefined) {
          emails++;
          t.emailed = time;
        }
      }
    },
  });

  const processes = SERVICE_NAMES.flatMap((s) => stack.instances(s));
  const pids = Object.fromEntries(processes.map((s) => [s, stack.pid(s)!]));
  const peakRss: Record<string, number> = Object.fromEntries(processes.map((s) => [s, 0]));
  const sampler = setInterval(() => {
    for (const s of processes) peakRss[s] = Math.max(peakRss[s], rssMb(pids[s]));
  }, 250);
  // charges waiting for the provider's pace, polled beside the progress line
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
  }, 2000);

  // where the machine's cores go during the close
  const cpuPids: Record<string, number | null> = {
    ...pids,
    'stripe-sandbox': stack.pid('stripe-sandbox'),
    'smtp-capture': stack.pid('smtp-capture'),
    kafka: brokerPid(stack),
  };
  const cpuBefore = Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) : 0]));
  const postgresBefore = postgresCpuSeconds();
  // what PostgreSQL did during the close, per table (scripts/pg-stats.ts)
  const stackDatabases = SERVICE_NAMES.map((s) => stack.databaseName(s));
  const pgBefore = await pgStats.snapshot(options.databaseUrl, stackDatabases);

  const requested = Date.now();
  const runId = await requestMonthClose(stack, period);
  const deadline = requested + timeoutS * 1000;
  while (Date.now() < deadline && !(invoices >= count && outcomes >= count && emails >= count)) {
    process.stdout.write(
      `\r[${((Date.now() - requested) / 1000).toFixed(0)}s] invoiced ${invoices}  charge outcomes ${outcomes}  charges waiting ${waiting}  invoice emails ${emails}   `,
    );
    await new Promise((r) => setTimeout(r, 500));
  }
  clearInterval(sampler);
  clearInterval(backlogPoller);
  const cpuUsed: Record<string, number | null> = {
    ...Object.fromEntries(
      Object.entries(cpuPids).map(([k, pid]) => [k, pid ? Number((cpuSeconds(pid) - cpuBefore[k]).toFixed(1)) : null]),
    ),
    postgres: Number((postgresCpuSeconds() - postgresBefore).toFixed(1)),
  };
  await consumer.disconnect();
  console.log('');
  await new Promise((r) => setTimeout(r, 1500)); // backends flush their table statistics at most once a second
  const pgDelta = pgStats.diff(pgBefore, await pgStats.snapshot(options.databaseUrl, stackDatabases));
  if (invoices < count || outcomes < count || emails < count) throw new Error(`the cascade did not finish within ${timeoutS}s`);

  const statsAfter = await api<SandboxStats>(stack.url('stripe'), '/_sandbox/stats');
  // the provider's own view (charge creation, 1 s resolution): outcomes are stamped when their batch commits
  const made = (await sandboxCharges(stack)).map((c) => c.created).filter((t) => t * 1000 >= requested - 1000);
  const providerSeconds = made.length === 0 ? 0 : Math.max(...made) - Math.min(...made) + 1;
  const deadLetters = await deadLetterCount(kafka, options.topicPrefix);
  const all = [...timeline.values()].filter((t) => t.invoiced !== undefined);
  const first = (key: keyof Timeline) => Math.min(...all.map((t) => t[key]!));
  const last = (key: keyof Timeline) => Math.max(...all.map((t) => t[key]!));
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
  const figures = {
    accounts: count,
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
    pgStats: pgDelta,
    attachPdf,
    // notifications' CPU per invoice email (every account gets one): compare runs with and without --attach-pdf
    notificationsCpuMsPerEmail: typeof cpuUsed.notifications === 'number' ? Number(((cpuUsed.notifications * 1000) / count).toFixed(1)) : null,
    at: new Date(requested).toISOString(),
  };
  const out = cliArg('out') ?? path.join(ROOT, '.run', 'bench', `bench-${count}-${figures.at.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(figures, null, 2));

  console.log(`end to end: ${count} accounts in ${figures.endToEndSeconds}s = ${figures.accountsPerSecond} accounts/s`);
  for (const [name, s] of Object.entries(figures.stages)) console.log(`  ${name.padEnd(14)} ${s.perSecond} events/s over ${s.seconds}s`);
  console.log(`  invoice -> charge outcome  p50 ${figures.latencyMs.invoiceToChargeOutcome.p50} ms  p99 ${figures.latencyMs.invoiceToChargeOutcome.p99} ms`);
  console.log(`  invoice -> invoice email   p50 ${figures.latencyMs.invoiceToEmail.p50} ms  p99 ${figures.latencyMs.invoiceToEmail.p99} ms`);
  console.log(`  peak RSS (MB): ${Object.entries(figures.peakRssMb).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(
    `  charges ${figures.chargesPerSecond}/s over ${figures.chargeStageSeconds}s` +
      (providerRps === null ? '' : ` = ${(figures.shareOfProviderLimit! * 100).toFixed(1)} % of the ${providerRps}/s limit`) +
      ` (provider's view: ${figures.providerView.perSecond}/s over ${figures.providerView.seconds}s)` +
      `; 429s ${figures.rateLimited}; failures from 429 ${chargeFailuresFromRateLimit}; dead letters ${deadLetters}`,
  );
  console.log(
    `  last invoice +${figures.lastInvoice.secondsAfterRequest}s, last invoice email +${figures.lastInvoiceEmail.secondsAfterRequest}s, last charge outcome +${figures.lastChargeOutcome.secondsAfterRequest}s`,
  );
  console.log(`  CPU seconds during the close: ${Object.entries(cpuUsed).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}`);
  console.log(`  notifications CPU per invoice email: ${figures.notificationsCpuMsPerEmail ?? '?'} ms${attachPdf ? ' (PDF attached)' : ''}`);
  console.log(pgStats.report(pgDelta, { accounts: count, top: 8 }));
  console.log(`figures written to ${path.relative(ROOT, out)}; the stack keeps running (npm run stack:down)`);
}

main().catch((error) => {
  console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
