/**
 * Getting out of dunning, on real processes (five services, Kafka, PostgreSQL, the Stripe
 * sandbox through the official SDK, SMTP capture), driven only through public APIs:
 * a declining card runs through its retries into a hold, the customer adds a working card, the
 * next attempt is made at once on the new card and the hold is released once; a card changed
 * mid-dunning is used by the next attempt; offline payments (partial, then the rest) release a
 * hold only when nothing is left; pay-now on a paid invoice is refused; an invoice below the
 * provider minimum is carried into the next month's invoice and both emails say so; finance
 * reports balance with card and offline collections mixed. The second test kills collections
 * and payments around the release and the immediate retry: every account ends as without crashes.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { DEV_TOKENS, Stack } from '../scripts/stack/stack';
import { ApiError, api } from '../scripts/scenario/client';
import { CapturedMail, SandboxCharge, capturedMail, reconciliationLists, reportFor, requestMonthClose, sandboxCharges, stripeClient } from '../scripts/scenario/month-close-scenario';
import { waitFor } from '@billing/testing';
import { prng } from '../scripts/scenario/population';
import { destroyStack, privateStack } from './stack-fixture';

const OCTOBER = '2026-10';
const NOVEMBER = '2026-11';
const RETRIES = 3;
const env = {
  // the schedule leaves room to change a card between the first decline and the first retry
  DUNNING_RETRY_OFFSETS: '4s,6s,8s',
  DUNNING_HOLD_GRACE: '1s',
  SCHEDULER_POLL_MS: '200',
  MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
  MONTH_CLOSE_POLL_MS: '200',
  CONSUMER_SESSION_TIMEOUT_MS: '6000',
};

type Role = 'fixes_card_after_hold' | 'fixes_card_mid_dunning' | 'pays_offline' | 'below_minimum';

interface Customer {
  role: Role;
  accountId: string;
  email: string;
  currency: string;
  locale: string;
  timeZone: string;
}

interface LedgerEntry {
  type: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  amountMinor: number | null;
  currency: string | null;
  detail: Record<string, unknown>;
}

const CUSTOMERS: { role: Role; currency: string; locale: string; timeZone: string; card: string | null; usage: [string, string][] }[] = [
  { role: 'fixes_card_after_hold', currency: 'USD', locale: 'en-US', timeZone: 'America/Los_Angeles', card: 'pm_card_chargeCustomerFail', usage: [['storage.gb', '120']] },
  { role: 'fixes_card_mid_dunning', currency: 'JPY', locale: 'ja-JP', timeZone: 'Asia/Tokyo', card: 'pm_card_chargeCustomerFail', usage: [['storage.gb', '90']] },
  { role: 'pays_offline', currency: 'KWD', locale: 'ar-KW', timeZone: 'Asia/Kuwait', card: 'pm_card_chargeCustomerFail', usage: [['storage.gb', '150']] },
  // USD 0.10 per GB: 3 GB is USD 0.30, below Stripe's USD 0.50 minimum
  { role: 'below_minimum', currency: 'USD', locale: 'en-US', timeZone: 'UTC', card: 'pm_card_visa', usage: [['storage.gb', '3']] },
];

async function setUp(stack: Stack, stripe: Stripe): Promise<Customer[]> {
  const customers: Customer[] = [];
  for (const [i, c] of CUSTOMERS.entries()) {
    const accountId = randomUUID();
    const email = `recovery-${i}-${accountId.slice(0, 8)}@example.com`;
    const customer = await stripe.customers.create({ name: c.role, email });
    await api(stack.url('invoicing'), '/v1/accounts', {
      token: DEV_TOKENS.operator,
      method: 'POST',
      body: { accountId, name: `Recovery ${c.role}`, billingEmail: email, currency: c.currency, timeZone: c.timeZone, locale: c.locale, providerCustomerId: customer.id, paymentMethodId: c.card },
    });
    customers.push({ role: c.role, accountId, email, currency: c.currency, locale: c.locale, timeZone: c.timeZone });
  }
  const records = customers.flatMap((customer, i) =>
    CUSTOMERS[i].usage.map(([sku, quantity], j) => ({
      usageId: `oct-${customer.accountId}-${j}`,
      accountId: customer.accountId,
      sku,
      resourceId: 'disk-1',
      quantity,
      occurredAt: '2026-10-15T12:00:00Z',
    })),
  );
  await api(stack.url('invoicing'), '/v1/usage', { token: DEV_TOKENS.operator, method: 'POST', body: { records } });
  return customers;
}

const ledger = async (stack: Stack, accountId: string): Promise<LedgerEntry[]> => {
  const page = await reportFor<{ entries?: LedgerEntry[]; items?: LedgerEntry[] }>(stack, `/v1/reports/accounts/${accountId}/ledger?limit=500`);
  return page.entries ?? page.items ?? [];
};
const ofType = (entries: LedgerEntry[], type: string) => entries.filter((e) => e.type === type);
const setCard = (stack: Stack, accountId: string, paymentMethodId: string) =>
  api(stack.url('invoicing'), `/v1/accounts/${accountId}`, { token: DEV_TOKENS.operator, method: 'PATCH', body: { paymentMethodId } });
const holdOf = (stack: Stack, accountId: string) =>
  api<{ onHold?: boolean; activeHold?: unknown; hold?: unknown }>(stack.url('collections'), `/v1/accounts/${accountId}/hold`, { token: DEV_TOKENS.finance });
const isOnHold = async (stack: Stack, accountId: string) => {
  const h = await holdOf(stack, accountId);
  return Boolean(h.onHold ?? h.activeHold ?? h.hold);
};
const mailTo = (mail: CapturedMail[], email: string) => {
  // a copy re-sent after a crash is byte-identical: count distinct Message-IDs
  const byId = new Map(mail.filter((m) => m.to.includes(email)).map((m) => [m.messageId, m]));
  return [...byId.values()];
};
const templateOf = (m: CapturedMail) => (m.headers['x-billing-email-key'] ?? '').split(':')[0];
const chargesOf = (charges: SandboxCharge[], invoiceId: string) => charges.filter((c) => c.metadata.invoice_id === invoiceId);

async function invoiceOf(stack: Stack, accountId: string, period: string): Promise<LedgerEntry> {
  return waitFor(
    async () => ofType(await ledger(stack, accountId), 'InvoiceGenerated').find((e) => String(e.detail.period ?? '') === period || (e.invoiceNumber ?? '').includes(period)),
    { timeoutMs: 60_000, what: `the ${period} invoice of ${accountId}` },
  );
}

async function closeMonth(stack: Stack, period: string): Promise<void> {
  const runId = await requestMonthClose(stack, period);
  await waitFor(async () => ['completed', 'completed_with_failures'].includes((await api<{ status: string }>(stack.url('invoicing'), `/v1/month-closes/${runId}`, { token: DEV_TOKENS.operator })).status), {
    timeoutMs: 60_000,
    what: `month close ${period}`,
  });
}

async function reconciled(stack: Stack, period: string): Promise<boolean> {
  const report = await reportFor<Record<string, unknown>>(stack, `/v1/reports/reconciliation?period=${period}&limit=100`);
  return Object.values(reconciliationLists(report)).every((list) => list.length === 0);
}

/** Per account, what a customer and finance see: comparable between a crash-free and a crashing run. */
interface Outcome {
  role: Role;
  providerAttempts: number;
  collectedAtProvider: number;
  holdsPlaced: number;
  holdsReleased: number;
  onHold: boolean;
  emails: Record<string, number>;
}

async function outcomeOf(stack: Stack, customer: Customer, charges: SandboxCharge[], mail: CapturedMail[]): Promise<Outcome> {
  const entries = await ledger(stack, customer.accountId);
  const invoiceIds = ofType(entries, 'InvoiceGenerated').map((e) => e.invoiceId!);
  const mine = invoiceIds.flatMap((id) => chargesOf(charges, id));
  const emails: Record<string, number> = {};
  for (const m of mailTo(mail, customer.email)) emails[templateOf(m)] = (emails[templateOf(m)] ?? 0) + 1;
  return {
    role: customer.role,
    providerAttempts: mine.length,
    collectedAtProvider: mine.filter((c) => c.status === 'succeeded').reduce((s, c) => s + c.amount, 0),
    holdsPlaced: ofType(entries, 'AccountHoldPlaced').length,
    holdsReleased: ofType(entries, 'AccountHoldReleased').length,
    onHold: await isOnHold(stack, customer.accountId),
    emails,
  };
}

/**
 * The recovery story, step by step through the public APIs. `crash` runs between steps where a
 * crash hurts most (the crash test kills services there); it must change no outcome.
 */
async function recover(stack: Stack, customers: Customer[], crash: (moment: string) => Promise<void>): Promise<void> {
  const by = (role: Role) => customers.find((c) => c.role === role)!;
  const afterHold = by('fixes_card_after_hold');
  const midDunning = by('fixes_card_mid_dunning');
  const offline = by('pays_offline');

  await closeMonth(stack, OCTOBER);

  // a card changed between the first decline and the first scheduled retry
  await waitFor(async () => ofType(await ledger(stack, midDunning.accountId), 'ChargeFailed').length >= 1, { timeoutMs: 60_000, what: 'the first decline (mid-dunning)' });
  await setCard(stack, midDunning.accountId, 'pm_card_visa');
  await crash('after a card change mid-dunning');

  // the other declining cards run through every retry into a hold
  for (const c of [afterHold, offline]) {
    await waitFor(() => isOnHold(stack, c.accountId), { timeoutMs: 90_000, what: `the hold of ${c.role}` });
  }
  // the customer adds a working card: an attempt at once, paid, the hold released
  await setCard(stack, afterHold.accountId, 'pm_card_visa');
  await crash('after a card change on hold');
  await waitFor(async () => !(await isOnHold(stack, afterHold.accountId)), { timeoutMs: 90_000, what: 'the release after the new card' });

  // offline: part of it keeps the hold, the rest releases it
  const offlineInvoice = await invoiceOf(stack, offline.accountId, OCTOBER);
  const pay = (amountMinor: number, key: string) =>
    api(stack.url('payments'), `/v1/invoices/${offlineInvoice.invoiceId}/payments`, {
      token: DEV_TOKENS.finance,
      method: 'POST',
      headers: { 'idempotency-key': key },
      body: { amountMinor, currency: 'KWD', method: 'bank_transfer', reference: `TRANSFER-${key}`, receivedAt: '2026-11-20T09:00:00.000Z' },
    });
  const part = Math.floor(offlineInvoice.amountMinor! / 20) * 10; // half, in whole fils of 10
  await pay(part, 'part-1');
  await crash('after a partial offline payment');
  await waitFor(async () => ofType(await ledger(stack, offline.accountId), 'PaymentRecorded').length === 1, { timeoutMs: 60_000, what: 'the partial payment in the ledger' });
  expect(await isOnHold(stack, offline.accountId)).toBe(true);
  await pay(offlineInvoice.amountMinor! - part, 'part-2');
  await crash('after the offline payment of the rest');
  await waitFor(async () => !(await isOnHold(stack, offline.accountId)), { timeoutMs: 90_000, what: 'the release after the offline payment' });

  // November: the carried balance is billed on the next invoice
  const below = by('below_minimum');
  await api(stack.url('invoicing'), '/v1/usage', {
    token: DEV_TOKENS.operator,
    method: 'POST',
    body: { records: [{ usageId: `nov-${below.accountId}`, accountId: below.accountId, sku: 'storage.gb', resourceId: 'disk-1', quantity: '100', occurredAt: '2026-11-10T12:00:00Z' }] },
  });
  await closeMonth(stack, NOVEMBER);
  await waitFor(() => reconciled(stack, OCTOBER), { timeoutMs: 120_000, what: 'the October reconciliation' });
  await waitFor(() => reconciled(stack, NOVEMBER), { timeoutMs: 120_000, what: 'the November reconciliation' });
  // the cascade is over when every invoice (November's zero-total ones too) has its email
  await waitFor(
    async () => {
      const mail = await capturedMail(stack);
      for (const c of customers) {
        const issued = ofType(await ledger(stack, c.accountId), 'InvoiceGenerated').length;
        if (mailTo(mail, c.email).filter((m) => templateOf(m) === 'invoice').length < issued) return false;
      }
      return true;
    },
    { timeoutMs: 120_000, what: 'an invoice email for every invoice' },
  );
}

describe('getting out of dunning: the current card, pay now, offline payments, truthful emails', () => {
  let stack: Stack | undefined;
  let crashFree: Outcome[];

  afterAll(async () => {
    if (stack) await destroyStack(stack);
  });

  it('recovers every account once, says what happens in every email, and reconciles with card and offline money', async () => {
    stack = await privateStack('recovery', { env });
    await stack.up({ startKafka: false });
    const customers = await setUp(stack, stripeClient(stack));
    await recover(stack, customers, async () => undefined);
    const by = (role: Role) => customers.find((c) => c.role === role)!;
    const [charges, mail] = await Promise.all([sandboxCharges(stack), capturedMail(stack)]);

    // a card fixed after the hold: first + 3 retries declined, then one attempt at once on the new card
    const afterHold = by('fixes_card_after_hold');
    const afterHoldInvoice = await invoiceOf(stack, afterHold.accountId, OCTOBER);
    const attempts = chargesOf(charges, afterHoldInvoice.invoiceId!).sort((a, b) => Number(a.metadata.attempt) - Number(b.metadata.attempt));
    expect(attempts.map((c) => c.status)).toEqual([...Array(1 + RETRIES).fill('failed'), 'succeeded']);
    expect((attempts[attempts.length - 1] as SandboxCharge & { payment_method?: string }).payment_method ?? '').not.toContain('chargeCustomerFail');
    // one invoice email per invoice (October's, and November's zero-total one), one per declined
    // attempt, one hold, one release
    const afterHoldMail = mailTo(mail, afterHold.email).map(templateOf).sort();
    expect(afterHoldMail).toEqual(['account-on-hold', 'hold-released', 'invoice', 'invoice', ...Array(1 + RETRIES).fill('payment-failed')].sort());
    const afterHoldNovember = await invoiceOf(stack, afterHold.accountId, NOVEMBER);
    expect(new Set(mailTo(mail, afterHold.email).filter((m) => templateOf(m) === 'invoice').map((m) => m.headers['x-billing-email-key']))).toEqual(
      new Set([`invoice:${afterHoldInvoice.invoiceId}`, `invoice:${afterHoldNovember.invoiceId}`]),
    );

    // a card changed mid-dunning: the next attempt is on the new card, no hold ever
    const mid = by('fixes_card_mid_dunning');
    const midCharges = chargesOf(charges, (await invoiceOf(stack, mid.accountId, OCTOBER)).invoiceId!).sort((a, b) => Number(a.metadata.attempt) - Number(b.metadata.attempt));
    expect(midCharges.map((c) => c.status)).toEqual(['failed', 'succeeded']);
    expect(ofType(await ledger(stack, mid.accountId), 'AccountHoldPlaced')).toHaveLength(0);

    // offline payments: recorded twice, released once, never charged beyond the declines
    const offline = by('pays_offline');
    const offlineEntries = await ledger(stack, offline.accountId);
    expect(ofType(offlineEntries, 'PaymentRecorded')).toHaveLength(2);
    expect(ofType(offlineEntries, 'AccountHoldReleased')).toHaveLength(1);
    expect(mailTo(mail, offline.email).filter((m) => templateOf(m) === 'hold-released')).toHaveLength(1);

    // pay-now on a paid invoice is refused
    const paid = await api(stack.url('collections'), `/v1/invoices/${afterHoldInvoice.invoiceId}/pay`, {
      token: DEV_TOKENS.operator,
      method: 'POST',
      headers: { 'idempotency-key': 'pay-paid' },
    }).catch((e: unknown) => e);
    expect(paid).toBeInstanceOf(ApiError);
    expect((paid as ApiError).status).toBe(409);

    // below the minimum: October carried into November, and both emails say so
    const below = by('below_minimum');
    const october = await invoiceOf(stack, below.accountId, OCTOBER);
    const november = await invoiceOf(stack, below.accountId, NOVEMBER);
    expect(october.amountMinor).toBe(30);
    expect(november.amountMinor).toBe(10_00 + 30);
    expect(chargesOf(charges, october.invoiceId!)).toHaveLength(0);
    expect(chargesOf(charges, november.invoiceId!).map((c) => [c.status, c.amount])).toEqual([['succeeded', 10_30]]);
    const belowMail = mailTo(mail, below.email).filter((m) => templateOf(m) === 'invoice');
    const octoberMail = belowMail.find((m) => m.text.includes(october.invoiceNumber!))!;
    const novemberMail = belowMail.find((m) => m.text.includes(november.invoiceNumber!))!;
    expect(octoberMail.text).toMatch(/carried to your next invoice/);
    expect(octoberMail.text).not.toMatch(/will be charged/);
    expect(novemberMail.text).toContain(`Balance carried over from ${october.invoiceNumber}`);
    expect(novemberMail.text).toContain('$0.30');

    // finance: card and offline collections balance to the minor unit in every currency
    for (const period of [OCTOBER, NOVEMBER]) {
      const report = await reportFor<{ currencies: Record<string, number | string>[] }>(stack, `/v1/reports/month-close/${period}`);
      for (const c of report.currencies) {
        expect(Number(c.collectedMinor)).toBe(Number(c.collectedCardMinor) + Number(c.collectedOfflineMinor));
        expect(Number(c.invoicedMinor) - Number(c.carriedForwardMinor)).toBe(Number(c.collectedMinor) + Number(c.outstandingMinor));
      }
      expect(await reconciled(stack, period)).toBe(true);
    }
    const kwd = (await reportFor<{ currencies: Record<string, number | string>[] }>(stack, `/v1/reports/month-close/${OCTOBER}`)).currencies.find((c) => c.currency === 'KWD')!;
    expect(Number(kwd.collectedOfflineMinor)).toBe(ofType(offlineEntries, 'PaymentRecorded').reduce((s, e) => s + e.amountMinor!, 0));

    crashFree = await Promise.all(customers.map((c) => outcomeOf(stack!, c, charges, mail)));
    await destroyStack(stack);
    stack = undefined;
  });

  it('ends every account as without crashes when collections and payments are killed around the release and the immediate retry', async () => {
    expect(crashFree).toBeDefined();
    stack = await privateStack('recovery-crash', { env });
    const crashing = stack;
    await crashing.up({ startKafka: false });
    const customers = await setUp(crashing, stripeClient(crashing));
    const killed: string[] = [];
    // kill moments from a printed seed: CRASH_SEED=<n> replays a failing schedule
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000_007);
    console.log(`payment-recovery crash schedule: CRASH_SEED=${seed}`);
    const random = prng(seed);
    await recover(crashing, customers, async (moment) => {
      // the immediate retry or the release is on its way: kill both services within 0.6 s of the step
      await new Promise((r) => setTimeout(r, Math.floor(random() * 600)));
      for (const service of ['collections', 'payments'] as const) {
        await crashing.stop(service, 'SIGKILL');
        killed.push(`${service} ${moment}`);
      }
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([crashing.start('collections'), crashing.start('payments')]);
    });
    expect(killed.length).toBe(8);
    const [charges, mail] = await Promise.all([sandboxCharges(crashing), capturedMail(crashing)]);
    const afterCrashes = await Promise.all(customers.map((c) => outcomeOf(crashing, c, charges, mail)));
    expect(afterCrashes).toEqual(crashFree);
  });
});
