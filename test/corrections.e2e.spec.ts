/**
 * Corrections on real processes (five services, Kafka, PostgreSQL, the Stripe sandbox through the
 * official SDK, SMTP capture), driven only through public APIs: a credit note on a declined
 * invoice lowers the next retry's amount; a full credit on an account on hold releases the hold
 * once and stops the retries; a credit on a paid invoice is refunded exactly once while payments
 * is SIGKILLed around the refund call; over-crediting is refused with nothing written; a void
 * stops dunning. Finance's reconciliation stays empty, the month-close report shows credited and
 * refunded to the minor unit, and each credit note gets exactly one email.
 */
import { randomUUID } from 'node:crypto';
import { DEV_TOKENS, Stack } from '../scripts/stack/stack';
import { ApiError, api } from '../scripts/scenario/client';
import { CapturedMail, SandboxCharge, capturedMail, reconciliationLists, reportFor, requestMonthClose, sandboxCharges, stripeClient } from '../scripts/scenario/month-close-scenario';
import { waitFor } from '@billing/testing';
import { destroyStack, privateStack } from './stack-fixture';

const PERIOD = '2026-10';
const env = {
  // room to issue a credit note between the first decline and the first retry
  DUNNING_RETRY_OFFSETS: '8s,10s,12s',
  DUNNING_HOLD_GRACE: '1s',
  SCHEDULER_POLL_MS: '200',
  MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
  MONTH_CLOSE_POLL_MS: '200',
  CONSUMER_SESSION_TIMEOUT_MS: '6000',
};

type Role = 'partial_on_declined' | 'full_on_hold' | 'refund_on_paid' | 'voided';

const CUSTOMERS: { role: Role; currency: string; locale: string; card: string; gb: string }[] = [
  { role: 'partial_on_declined', currency: 'JPY', locale: 'ja-JP', card: 'pm_card_chargeCustomerFail', gb: '90' },
  { role: 'full_on_hold', currency: 'KWD', locale: 'ar-KW', card: 'pm_card_chargeCustomerFail', gb: '150' },
  { role: 'refund_on_paid', currency: 'KWD', locale: 'en-US', card: 'pm_card_visa', gb: '120' },
  { role: 'voided', currency: 'JPY', locale: 'en-US', card: 'pm_card_chargeCustomerFail', gb: '60' },
];

interface Customer {
  role: Role;
  accountId: string;
  email: string;
  currency: string;
}

interface Invoice {
  invoiceId: string;
  invoiceNumber: string;
  currency: string;
  totalMinor: number;
  creditedMinor: number;
  status: string;
  lines: { lineId: string; amountMinor: number }[];
}

interface LedgerEntry {
  type: string;
  invoiceId: string | null;
  amountMinor: number | null;
  detail: Record<string, unknown>;
}

interface Refund {
  id: string;
  amount: number;
  currency: string;
  status: string;
  payment_intent: string;
  idempotency_key?: string;
}

const by = (customers: Customer[], role: Role) => customers.find((c) => c.role === role)!;
const ledger = async (stack: Stack, accountId: string): Promise<LedgerEntry[]> => {
  const page = await reportFor<{ entries?: LedgerEntry[]; items?: LedgerEntry[] }>(stack, `/v1/reports/accounts/${accountId}/ledger?limit=500`);
  return page.entries ?? page.items ?? [];
};
const ofType = (entries: LedgerEntry[], type: string) => entries.filter((e) => e.type === type);
const chargesOf = (charges: SandboxCharge[], invoiceId: string) => charges.filter((c) => c.metadata.invoice_id === invoiceId);
const isOnHold = async (stack: Stack, accountId: string) => {
  const h = await api<{ onHold?: boolean; activeHold?: unknown; hold?: unknown }>(stack.url('collections'), `/v1/accounts/${accountId}/hold`, { token: DEV_TOKENS.finance });
  return Boolean(h.onHold ?? h.activeHold ?? h.hold);
};
const sandboxRefunds = async (stack: Stack): Promise<Refund[]> => (await api<{ data: Refund[] }>(stack.url('stripe'), '/_sandbox/refunds')).data;
const creditNoteMails = (mail: CapturedMail[], email: string) =>
  new Set(mail.filter((m) => m.to.includes(email) && (m.headers['x-billing-email-key'] ?? '').startsWith('credit-note:')).map((m) => m.messageId)).size;

async function setUp(stack: Stack): Promise<Customer[]> {
  const stripe = stripeClient(stack);
  const customers: Customer[] = [];
  for (const [i, c] of CUSTOMERS.entries()) {
    const accountId = randomUUID();
    const email = `corrections-${i}-${accountId.slice(0, 8)}@example.com`;
    const customer = await stripe.customers.create({ name: c.role, email });
    await api(stack.url('invoicing'), '/v1/accounts', {
      token: DEV_TOKENS.operator,
      method: 'POST',
      body: { accountId, name: `Corrections ${c.role}`, billingEmail: email, currency: c.currency, timeZone: 'UTC', locale: c.locale, providerCustomerId: customer.id, paymentMethodId: c.card },
    });
    customers.push({ role: c.role, accountId, email, currency: c.currency });
  }
  const records = customers.map((customer, i) => ({
    usageId: `oct-${customer.accountId}`,
    accountId: customer.accountId,
    sku: 'storage.gb',
    resourceId: 'disk-1',
    quantity: CUSTOMERS[i].gb,
    occurredAt: '2026-10-15T12:00:00Z',
  }));
  await api(stack.url('invoicing'), '/v1/usage', { token: DEV_TOKENS.operator, method: 'POST', body: { records } });
  return customers;
}

async function invoiceOf(stack: Stack, accountId: string): Promise<Invoice> {
  const { invoiceId } = await waitFor(async () => ofType(await ledger(stack, accountId), 'InvoiceGenerated')[0], { timeoutMs: 60_000, what: `the invoice of ${accountId}` });
  return api<Invoice>(stack.url('invoicing'), `/v1/invoices/${invoiceId}`, { token: DEV_TOKENS.finance });
}

const creditNote = (stack: Stack, invoiceId: string, body: Record<string, unknown>, key = randomUUID()) =>
  api<{ creditNoteId: string; creditNoteNumber: string; totalMinor: number }>(stack.url('invoicing'), `/v1/invoices/${invoiceId}/credit-notes`, {
    token: DEV_TOKENS.finance,
    method: 'POST',
    headers: { 'idempotency-key': key },
    body,
  });
const creditNotesOf = (stack: Stack, invoiceId: string) =>
  api<{ items?: unknown[]; creditNotes?: unknown[] } | unknown[]>(stack.url('invoicing'), `/v1/invoices/${invoiceId}/credit-notes`, { token: DEV_TOKENS.finance }).then((r) =>
    Array.isArray(r) ? r : (r.items ?? r.creditNotes ?? []),
  );

async function reconciliation(stack: Stack): Promise<Record<string, unknown[]>> {
  const report = await reportFor<Record<string, unknown>>(stack, `/v1/reports/reconciliation?period=${PERIOD}&limit=100`);
  return Object.fromEntries(Object.entries(reconciliationLists(report)).filter(([, list]) => list.length > 0));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('corrections: credit notes, refunds and voids on real processes', () => {
  let stack: Stack | undefined;

  afterAll(async () => {
    if (stack) await destroyStack(stack);
  });

  it('lowers a retry, releases a hold once, refunds exactly once through a crash, refuses an over-credit, stops dunning on a void; finance adds up', async () => {
    stack = await privateStack('corrections', { env });
    const s = stack;
    await s.up({ startKafka: false });
    const customers = await setUp(s);
    const runId = await requestMonthClose(s, PERIOD);
    await waitFor(async () => ['completed', 'completed_with_failures'].includes((await api<{ status: string }>(s.url('invoicing'), `/v1/month-closes/${runId}`, { token: DEV_TOKENS.operator })).status), {
      timeoutMs: 90_000,
      what: 'the month close',
    });
    const partial = by(customers, 'partial_on_declined');
    const full = by(customers, 'full_on_hold');
    const paid = by(customers, 'refund_on_paid');
    const voided = by(customers, 'voided');
    const invoices = new Map<Role, Invoice>();
    for (const c of customers) invoices.set(c.role, await invoiceOf(s, c.accountId));

    // 1. a credit note between the first decline and the first retry: the retry charges the rest
    const partialInvoice = invoices.get('partial_on_declined')!;
    await waitFor(async () => ofType(await ledger(s, partial.accountId), 'ChargeFailed').length >= 1, { timeoutMs: 60_000, what: 'the first decline (partial)' });
    const partialCredit = Math.floor(partialInvoice.lines[0].amountMinor / 3);
    await creditNote(s, partialInvoice.invoiceId, { reason: 'storage rated at the wrong tier', lines: [{ lineId: partialInvoice.lines[0].lineId, amountMinor: partialCredit }] });

    // 2. a void after the first decline: no further attempt
    const voidedInvoice = invoices.get('voided')!;
    await waitFor(async () => ofType(await ledger(s, voided.accountId), 'ChargeFailed').length >= 1, { timeoutMs: 60_000, what: 'the first decline (void)' });
    await api(s.url('invoicing'), `/v1/invoices/${voidedInvoice.invoiceId}/void`, { token: DEV_TOKENS.admin, method: 'POST', headers: { 'idempotency-key': randomUUID() }, body: {} });

    // 3. a paid invoice: over-crediting is refused with nothing written
    const paidInvoice = invoices.get('refund_on_paid')!;
    await waitFor(async () => ofType(await ledger(s, paid.accountId), 'ChargeSucceeded').length === 1, { timeoutMs: 60_000, what: 'the paid invoice' });
    const over = await creditNote(s, paidInvoice.invoiceId, {
      reason: 'too much',
      lines: [{ lineId: paidInvoice.lines[0].lineId, amountMinor: paidInvoice.totalMinor + 10 }],
    }).catch((error: unknown) => error);
    expect(over).toBeInstanceOf(ApiError);
    expect((over as ApiError).status).toBe(422);
    expect(await creditNotesOf(s, paidInvoice.invoiceId)).toEqual([]);

    // 4. a credit on the paid invoice with a refund, payments SIGKILLed around the refund call
    const refundMinor = Math.floor(paidInvoice.totalMinor / 20) * 10; // half, in whole fils of 10
    await creditNote(s, paidInvoice.invoiceId, { reason: 'service outage credit', paidPartTo: 'refund', lines: [{ lineId: paidInvoice.lines[0].lineId, amountMinor: refundMinor }] });
    await sleep(Math.floor(Math.random() * 400));
    await s.stop('payments', 'SIGKILL');
    await s.start('payments');

    // 5. the account on hold is fully credited: the hold goes, once
    const fullInvoice = invoices.get('full_on_hold')!;
    await waitFor(() => isOnHold(s, full.accountId), { timeoutMs: 120_000, what: 'the hold (full credit)' });
    await creditNote(s, fullInvoice.invoiceId, { reason: 'goodwill: the whole month', lines: fullInvoice.lines.map((l) => ({ lineId: l.lineId })) });
    await waitFor(async () => !(await isOnHold(s, full.accountId)), { timeoutMs: 60_000, what: 'the release after the full credit' });

    // outcomes
    await waitFor(async () => ofType(await ledger(s, paid.accountId), 'RefundSucceeded').length === 1, { timeoutMs: 90_000, what: 'the refund' });
    await waitFor(async () => chargesOf(await sandboxCharges(s), partialInvoice.invoiceId).length >= 2, { timeoutMs: 60_000, what: 'the retry after the partial credit' });
    await sleep(14_000); // past every scheduled retry of the voided and fully credited invoices

    const charges = await sandboxCharges(s);
    const partialAttempts = chargesOf(charges, partialInvoice.invoiceId);
    expect(partialAttempts[0].amount).toBe(partialInvoice.totalMinor); // JPY: the provider's unit is the yen
    expect(partialAttempts.slice(1).map((c) => c.amount)).toEqual(partialAttempts.slice(1).map(() => partialInvoice.totalMinor - partialCredit));
    expect(chargesOf(charges, voidedInvoice.invoiceId)).toHaveLength(1);
    const fullAttempts = chargesOf(charges, fullInvoice.invoiceId).length;

    const paidCharge = chargesOf(charges, paidInvoice.invoiceId).find((c) => c.status === 'succeeded')!;
    const refunds = (await sandboxRefunds(s)).filter((r) => r.payment_intent === paidCharge.payment_intent);
    expect(refunds.map((r) => ({ amount: r.amount, currency: r.currency, status: r.status }))).toEqual([{ amount: refundMinor, currency: 'kwd', status: 'succeeded' }]);

    const fullLedger = await ledger(s, full.accountId);
    expect(ofType(fullLedger, 'AccountHoldReleased')).toHaveLength(1);
    expect((await api<Invoice>(s.url('invoicing'), `/v1/invoices/${voidedInvoice.invoiceId}`, { token: DEV_TOKENS.finance })).status).toBe('voided');

    // nothing more happens to the closed cases
    await sleep(6_000);
    const later = await sandboxCharges(s);
    expect(chargesOf(later, fullInvoice.invoiceId)).toHaveLength(fullAttempts);
    expect(chargesOf(later, voidedInvoice.invoiceId)).toHaveLength(1);
    expect(ofType(await ledger(s, full.accountId), 'AccountHoldReleased')).toHaveLength(1);

    // one email per credit note
    await waitFor(
      async () => {
        const mail = await capturedMail(s);
        return [partial, voided, paid, full].every((c) => creditNoteMails(mail, c.email) === 1);
      },
      { timeoutMs: 60_000, what: 'one credit note email each' },
    );

    // finance: the reconciliation is empty, credited and refunded to the minor unit
    await waitFor(async () => Object.keys(await reconciliation(s)).length === 0, { timeoutMs: 60_000, what: 'an empty reconciliation' }).catch(async () => {
      expect(await reconciliation(s)).toEqual({});
    });
    const report = await reportFor<{ currencies: { currency: string; creditedMinor: number; refundedMinor: number }[] }>(s, `/v1/reports/month-close/${PERIOD}`);
    const kwd = report.currencies.find((c) => c.currency === 'KWD')!;
    const jpy = report.currencies.find((c) => c.currency === 'JPY')!;
    expect({ credited: kwd.creditedMinor, refunded: kwd.refundedMinor }).toEqual({ credited: refundMinor + fullInvoice.totalMinor, refunded: refundMinor });
    expect({ credited: jpy.creditedMinor, refunded: jpy.refundedMinor }).toEqual({ credited: partialCredit + voidedInvoice.totalMinor, refunded: 0 });
  });
});
