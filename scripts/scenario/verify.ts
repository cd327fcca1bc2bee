/**
 * Checks the end state of a month close through public interfaces only: the reporting API,
 * the Stripe sandbox's charge list and the captured mail. Returns the problems found (none
 * after a correct cascade), so tests, the demo and the crash test share one definition of done.
 */
import { minorToMajorString, minorUnitExponent } from '@billing/money';
import { Stack } from '../stack/stack';
import { pool } from './client';
import { CapturedMail, SandboxCharge, capturedMail, reconciliationLists, reportFor, sandboxCharges } from './month-close-scenario';
import { DemoAccount } from './population';

interface LedgerItem {
  type: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  amountMinor: number | null;
  currency: string | null;
  occurredAt: string;
  detail: Record<string, unknown>;
}

interface CurrencyRow {
  currency: string;
  invoices: number;
  invoicedMinor: number;
  collectedMinor: number;
  outstandingMinor: number;
  /** Totals below the provider minimum, carried to the next invoice: invoiced but neither collected nor outstanding. */
  carriedForwardMinor: number;
  accountsInvoiced: number;
}

export interface VerifiedInvoice {
  accountId: string;
  invoiceId: string;
  invoiceNumber: string;
  totalMinor: number;
  currency: string;
  issuedAt: string;
}

export interface Verification {
  problems: string[];
  invoices: VerifiedInvoice[];
  holds: string[];
  charges: SandboxCharge[];
  mail: CapturedMail[];
}

async function ledgerOf(stack: Stack, accountId: string): Promise<LedgerItem[]> {
  const items: LedgerItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: LedgerItem[]; nextCursor: string | null } = await reportFor(
      stack,
      `/v1/reports/accounts/${accountId}/ledger?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** How the customer's email must show the amount: the project's exponent table, the account's locale. */
export function expectedAmount(amountMinor: number, currency: string, locale: string): string {
  const digits = minorUnitExponent(currency);
  const format = new Intl.NumberFormat([locale, 'en-US'], {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }) as Intl.NumberFormat & { format(value: string): string };
  return format.format(minorToMajorString(amountMinor, currency));
}

export function expectedZoneName(instant: string, timeZone: string, locale: string): string {
  const parts = new Intl.DateTimeFormat([locale, 'en-US'], { timeZone, timeZoneName: 'short' }).formatToParts(new Date(instant));
  return parts.find((p) => p.type === 'timeZoneName')!.value;
}

export async function verifyCascade(
  stack: Stack,
  period: string,
  accounts: DemoAccount[],
  { retriesPerDecline = 3 }: { retriesPerDecline?: number } = {},
): Promise<Verification> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 200) problems.push(text);
  };

  const report = await reportFor<{ currencies: CurrencyRow[] }>(stack, `/v1/reports/month-close/${period}`);
  const invoiceCount = report.currencies.reduce((s, c) => s + c.invoices, 0);
  if (invoiceCount !== accounts.length) problem(`month-close report counts ${invoiceCount} invoices for ${accounts.length} accounts`);
  for (const c of report.currencies) {
    if (c.invoicedMinor - c.carriedForwardMinor !== c.collectedMinor + c.outstandingMinor) {
      problem(
        `${c.currency}: invoiced ${c.invoicedMinor} - carried forward ${c.carriedForwardMinor} != collected ${c.collectedMinor} + outstanding ${c.outstandingMinor}`,
      );
    }
  }
  const reconciliation = await reportFor<Record<string, unknown>>(stack, `/v1/reports/reconciliation?period=${period}&limit=1000`);
  for (const [name, list] of Object.entries(reconciliationLists(reconciliation))) {
    if (list.length > 0) problem(`reconciliation ${name}: ${list.length} entries`);
  }

  const [charges, mail] = await Promise.all([sandboxCharges(stack), capturedMail(stack)]);
  const chargesByInvoice = new Map<string, SandboxCharge[]>();
  for (const c of charges) {
    const list = chargesByInvoice.get(c.metadata.invoice_id) ?? [];
    list.push(c);
    chargesByInvoice.set(c.metadata.invoice_id, list);
  }
  const mailByMessageId = new Map<string, CapturedMail[]>();
  for (const m of mail) mailByMessageId.set(m.messageId, [...(mailByMessageId.get(m.messageId) ?? []), m]);
  for (const [messageId, copies] of mailByMessageId) {
    const first = JSON.stringify([copies[0].subject, copies[0].text]);
    if (copies.some((c) => JSON.stringify([c.subject, c.text]) !== first)) problem(`two different emails share Message-ID ${messageId}`);
  }

  const invoices: VerifiedInvoice[] = [];
  const holds: string[] = [];
  await pool(accounts, 16, async (account) => {
    const ledger = await ledgerOf(stack, account.accountId);
    const generated = ledger.filter((e) => e.type === 'InvoiceGenerated');
    if (generated.length !== 1) return problem(`account ${account.accountId} has ${generated.length} invoices`);
    const inv = generated[0];
    const invoice: VerifiedInvoice = {
      accountId: account.accountId,
      invoiceId: inv.invoiceId!,
      invoiceNumber: inv.invoiceNumber!,
      totalMinor: inv.amountMinor!,
      currency: inv.currency!,
      issuedAt: String(inv.detail.issuedAt ?? inv.occurredAt),
    };
    invoices.push(invoice);

    // charges: one provider charge per ChargeSucceeded/ChargeFailed attempt, never two
    const outcomes = ledger.filter((e) => ['ChargeSucceeded', 'ChargeFailed'].includes(e.type));
    const skipped = ledger.filter((e) => e.type === 'ChargeSkipped');
    const providerCharges = chargesByInvoice.get(invoice.invoiceId) ?? [];
    const attempts = new Map<string, number>();
    for (const c of providerCharges) attempts.set(c.metadata.attempt, (attempts.get(c.metadata.attempt) ?? 0) + 1);
    for (const [attempt, n] of attempts) if (n > 1) problem(`invoice ${invoice.invoiceNumber} attempt ${attempt} was charged ${n} times`);
    if (providerCharges.filter((c) => c.status === 'succeeded').length > 1) problem(`invoice ${invoice.invoiceNumber} was collected twice`);
    if (attempts.size !== outcomes.length) {
      problem(`invoice ${invoice.invoiceNumber}: ${attempts.size} provider attempts but ${outcomes.length} charge outcomes`);
    }
    if (invoice.totalMinor === 0 && providerCharges.length > 0) problem(`zero invoice ${invoice.invoiceNumber} was charged`);
    if (invoice.totalMinor > 0 && outcomes.length === 0 && skipped.length === 0) problem(`invoice ${invoice.invoiceNumber} has no charge outcome`);

    // the one invoice email, rendered from the invoice: its amount and its time zone
    const invoiceMail = mail.filter(
      (m) => m.to.includes(account.billingEmail) && m.headers['x-billing-email-key'] === `invoice:${invoice.invoiceId}`,
    );
    const distinct = new Set(invoiceMail.map((m) => m.messageId));
    if (distinct.size !== 1) problem(`invoice ${invoice.invoiceNumber} has ${distinct.size} invoice emails`);
    else {
      const text = invoiceMail[0].text;
      const amount = expectedAmount(invoice.totalMinor, invoice.currency, account.locale);
      const zone = expectedZoneName(invoice.issuedAt, account.timeZone, account.locale);
      if (!text.includes(amount)) problem(`invoice email ${invoice.invoiceNumber} does not show ${amount}`);
      if (!text.includes(zone)) problem(`invoice email ${invoice.invoiceNumber} does not show the zone ${zone}`);
    }

    // dunning and holds
    const failed = outcomes.filter((e) => e.type === 'ChargeFailed');
    const placed = ledger.filter((e) => e.type === 'AccountHoldPlaced');
    if (placed.length > 0) holds.push(account.accountId);
    if (failed.length === 0) {
      if (placed.length > 0) problem(`account ${account.accountId} was put on hold without a declined charge`);
      return;
    }
    if (account.card === 'pays') problem(`a paying card was declined for ${invoice.invoiceNumber}`);
    if (account.card === 'declines_then_retries' && failed.length !== 1 + retriesPerDecline) {
      problem(`${invoice.invoiceNumber}: ${failed.length} declined attempts, expected ${1 + retriesPerDecline} (first + retries)`);
    }
    if (account.card === 'needs_customer_action' && failed.length !== 1) {
      problem(`${invoice.invoiceNumber}: a card that needs the customer was retried (${failed.length} attempts)`);
    }
    if (placed.length !== 1) problem(`account ${account.accountId} with a declined invoice has ${placed.length} holds placed`);
  });
  return { problems, invoices, holds, charges, mail };
}
