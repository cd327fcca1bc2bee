/**
 * `npm run demo [-- --accounts N --period YYYY-MM]`: the quick start. Brings the local stack up
 * (after wiping its data, so every demo starts from nothing), creates demo accounts with a
 * month of usage, runs the month close, shows the cascade live, checks it, credits a few invoices
 * (a refund, an account credit, a declined invoice that then owes less) and prints the finance summary.
 * The stack keeps running afterwards (`npm run stack:down` stops it).
 */
import { minorToMajorString } from '@billing/money';
import { DEV_TOKENS, Stack, defaultStackOptions } from './stack/stack';
import { CascadeProgress, capturedMail, describeChargesWaiting, progress, reconciliationLists, reportFor, requestMonthClose, seed, waitForCascade } from './scenario/month-close-scenario';
import { cliArg } from './scenario/client';
import { creditSomeInvoices, waitForCorrectionsSettled } from './scenario/corrections';
import { freshStack } from './scenario/reset';
import { verifyCascade } from './scenario/verify';

/** The last month that has ended everywhere (the clock is read here, at the edge). */
function lastEndedPeriod(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  if (now.getUTCDate() === 1 && now.getUTCHours() < 14) d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

const tty = process.stdout.isTTY;
function show(line: string, final = false) {
  if (tty) process.stdout.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
  else console.log(line);
}

function progressLine(p: CascadeProgress, seconds: number): string {
  return (
    `[${seconds.toFixed(0).padStart(4)}s] run ${p.run.status.padEnd(9)} invoiced ${p.run.invoiced}/${p.run.accountsInScope ?? '?'}` +
    `  charged ${p.charges.succeeded}  declined ${p.charges.failed}  charges waiting ${describeChargesWaiting(p.chargesWaiting)}` +
    `  emailed ${p.emails}  on hold ${p.holds}`
  );
}

interface CurrencyRow {
  currency: string;
  invoices: number;
  invoicedMinor: number;
  creditedMinor: number;
  refundedMinor: number;
  collectedMinor: number;
  failedMinor: number;
  outstandingMinor: number;
  carriedForwardMinor: number;
  zeroTotalInvoices: number;
}

async function main() {
  const count = Number(cliArg('accounts') ?? 1000);
  const period = cliArg('period') ?? lastEndedPeriod(new Date());
  if (!Number.isInteger(count) || count < 1) throw new Error('--accounts must be a positive integer');
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new Error('--period must be YYYY-MM');

  const stack = new Stack(defaultStackOptions(process.env));
  console.log(`month-close demo: ${count} accounts, period ${period}`);
  console.log('starting the local stack (Kafka, PostgreSQL, Stripe sandbox, SMTP capture, five services) ...');
  await freshStack(stack);

  const started = Date.now();
  const seeded = await seed(stack, count, period, 42, (done) => {
    if (done % 100 === 0 || done === count) show(`creating accounts ${done}/${count}`);
  });
  show(`created ${count} accounts (customers in the Stripe sandbox) and ${seeded.usageRecords} usage records`, true);

  const runId = await requestMonthClose(stack, period);
  console.log(`month close ${period} requested (run ${runId})`);
  const closeStarted = Date.now();
  const final = await waitForCascade(stack, runId, period, {
    timeoutMs: Number(cliArg('timeout') ?? 900) * 1000,
    onProgress: (p) => show(progressLine(p, (Date.now() - closeStarted) / 1000)),
  });
  show(progressLine(final, (Date.now() - closeStarted) / 1000), true);

  const verification = await verifyCascade(stack, period, seeded.accounts);
  if (verification.problems.length === 0) {
    console.log(
      `checked: ${verification.invoices.length} accounts with one invoice each, ${verification.charges.length} provider charges (none doubled), ` +
        `one invoice email per invoice with its amount and time zone, ${verification.holds.length} declining accounts on hold after dunning`,
    );
  } else {
    console.log(`checks FAILED:\n  ${verification.problems.join('\n  ')}`);
    process.exitCode = 1;
  }
  const corrections = await creditSomeInvoices(stack, period);
  for (const c of corrections) {
    console.log(`credit note ${c.creditNoteNumber} on ${c.invoiceNumber}: ${minorToMajorString(c.creditedMinor, c.currency)} ${c.currency} (${c.what})`);
  }
  await waitForCorrectionsSettled(stack, period, corrections);

  const report = await reportFor<{ currencies?: CurrencyRow[]; byCurrency?: CurrencyRow[] } & Record<string, unknown>>(
    stack,
    `/v1/reports/month-close/${period}`,
  );
  const rows = (report.currencies ?? report.byCurrency ?? []) as CurrencyRow[];
  console.log(`\nfinance summary for ${period} (from the reporting API):`);
  console.log('currency  invoices   invoiced    credited    refunded    collected   failed      outstanding  carried      zero-total');
  for (const r of rows) {
    const m = (v: number) => minorToMajorString(v, r.currency).padStart(11);
    console.log(
      `${r.currency.padEnd(8)}  ${String(r.invoices).padStart(8)}  ${m(r.invoicedMinor)}  ${m(r.creditedMinor)}  ${m(r.refundedMinor)}  ${m(r.collectedMinor)}  ${m(r.failedMinor)}  ${m(r.outstandingMinor)}  ${m(r.carriedForwardMinor)}  ${String(r.zeroTotalInvoices).padStart(10)}`,
    );
  }
  const reconciliation = await reportFor<Record<string, unknown>>(stack, `/v1/reports/reconciliation?period=${period}`);
  const open = Object.entries(reconciliationLists(reconciliation)).filter(([, list]) => list.length > 0);
  console.log(open.length === 0 ? 'reconciliation: every list is empty' : `reconciliation: ${open.map(([k, l]) => `${k}=${l.length}`).join(', ')}`);
  const final2 = await progress(stack, runId);
  console.log(`accounts on hold: ${final2.holds}; emails captured: ${final2.emails}; total time ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const invoiceMail = (await capturedMail(stack)).find((m) => m.headers['x-billing-email-key']?.startsWith('invoice:'));
  const hostedLink = invoiceMail && /https?:\/\/\S+\/i\/\S+/.exec(invoiceMail.text)?.[0];
  if (hostedLink) console.log(`one customer's hosted invoice page (from their invoice email; PDF at <link>/document.pdf): ${hostedLink}`);
  console.log(`\nthe stack keeps running: finance API ${stack.url('reporting')}/docs (token: ${DEV_TOKENS.finance}),`);
  console.log(`captured mail ${stack.url('smtpHttp')}/api/messages, charges ${stack.url('stripe')}/_sandbox/charges; stop it with npm run stack:down`);
}

main().catch((error) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
