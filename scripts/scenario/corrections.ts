/**
 * A few corrections after a month close, through the public APIs as finance would make them:
 * part of a paid invoice refunded to the card, part of another paid invoice given back as
 * account credit, and part of a declined invoice credited (it then owes less). Used by the demo.
 */
import { randomUUID } from 'node:crypto';
import { collectibleIncrementMinor } from '@billing/money';
import { DEV_TOKENS, Stack } from '../stack/stack';
import { api } from './client';
import { SandboxCharge, reportFor, sandboxCharges } from './month-close-scenario';

interface InvoiceView {
  invoiceId: string;
  invoiceNumber: string;
  currency: string;
  totalMinor: number;
  lines: { lineId: string; amountMinor: number }[];
}

export interface Correction {
  invoiceNumber: string;
  creditNoteNumber: string;
  currency: string;
  creditedMinor: number;
  paidPartTo: 'refund' | 'account_credit';
  what: string;
}

interface CorrectionFigures {
  currency: string;
  creditedMinor: number;
  refundPendingMinor: number;
  creditAwaitingSettlementMinor: number;
}

/** A third of the invoice's first line, in the currency's collectible steps (whole fils of 10 for KWD, ...). */
function aThirdOf(invoice: InvoiceView): number {
  const step = collectibleIncrementMinor(invoice.currency);
  return Math.max(step, Math.floor(invoice.lines[0].amountMinor / 3 / step) * step);
}

export async function creditSomeInvoices(stack: Stack, period: string): Promise<Correction[]> {
  const charges = await sandboxCharges(stack);
  const invoiceIdsWith = (status: string) => [...new Set(charges.filter((c: SandboxCharge) => c.status === status).map((c) => c.metadata.invoice_id))];
  const paid = invoiceIdsWith('succeeded');
  const declined = invoiceIdsWith('failed').filter((id) => !paid.includes(id));
  const picks: { invoiceId: string | undefined; paidPartTo: Correction['paidPartTo']; what: string }[] = [
    { invoiceId: paid[0], paidPartTo: 'refund', what: 'paid: refunded to the card' },
    { invoiceId: paid[1], paidPartTo: 'account_credit', what: 'paid: credit for the next invoice' },
    { invoiceId: declined[0], paidPartTo: 'refund', what: 'declined: owes less' },
  ];
  const corrections: Correction[] = [];
  for (const pick of picks) {
    if (pick.invoiceId === undefined) continue;
    const invoice = await api<InvoiceView>(stack.url('invoicing'), `/v1/invoices/${pick.invoiceId}`, { token: DEV_TOKENS.finance });
    if (invoice.totalMinor === 0 || invoice.lines.length === 0) continue;
    const amountMinor = aThirdOf(invoice);
    const note = await api<{ creditNoteNumber: string; totalMinor: number }>(stack.url('invoicing'), `/v1/invoices/${invoice.invoiceId}/credit-notes`, {
      token: DEV_TOKENS.finance,
      method: 'POST',
      headers: { 'idempotency-key': randomUUID() },
      body: { reason: `demo correction of ${period}`, paidPartTo: pick.paidPartTo, lines: [{ lineId: invoice.lines[0].lineId, amountMinor }] },
    });
    corrections.push({
      invoiceNumber: invoice.invoiceNumber,
      creditNoteNumber: note.creditNoteNumber,
      currency: invoice.currency,
      creditedMinor: note.totalMinor,
      paidPartTo: pick.paidPartTo,
      what: pick.what,
    });
  }
  return corrections;
}

/** Waits until finance's report shows every correction settled by payments and no refund waiting for the provider. */
export async function waitForCorrectionsSettled(stack: Stack, period: string, corrections: Correction[], timeoutMs = 120_000): Promise<void> {
  const expected = new Map<string, number>();
  for (const c of corrections) expected.set(c.currency, (expected.get(c.currency) ?? 0) + c.creditedMinor);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await reportFor<{ currencies: CorrectionFigures[] }>(stack, `/v1/reports/month-close/${period}`);
    const settled = [...expected].every(([currency, credited]) => {
      const row = report.currencies.find((r) => r.currency === currency);
      return row !== undefined && row.creditedMinor === credited && row.refundPendingMinor === 0 && row.creditAwaitingSettlementMinor === 0;
    });
    if (settled) return;
    if (Date.now() > deadline) throw new Error(`corrections not settled after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
