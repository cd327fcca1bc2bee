import { CreditNoteIssuedV1, CreditNoteSettlement, CustomerSnapshot, InvoiceCollection, PayloadOf } from '@billing/events';
import { CurrencyCode, collectibleIncrementMinor } from '@billing/money';

export type CreditNoteIssuedPayload = PayloadOf<typeof CreditNoteIssuedV1>;

/** A credit note as decided, before it has its number (allocated only once it is accepted, so refusals leave no gap). */
export type CreditNoteDraft = Omit<CreditNoteIssuedPayload, 'creditNoteNumber'>;

/** What the decision needs to know about the invoice being corrected (and its earlier credit notes). */
export interface CreditableInvoice {
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  readonly currency: CurrencyCode;
  /** What the customer owes for the invoice: subtotalMinor − creditAppliedMinor. */
  readonly totalMinor: number;
  /** Prepaid account credit the invoice spent. */
  readonly creditAppliedMinor: number;
  /** As decided at issue; absent on invoices issued before it existed. */
  readonly collection: InvoiceCollection | undefined;
  readonly lines: readonly { readonly lineId: string; readonly description: string; readonly amountMinor: number }[];
  readonly customer: CustomerSnapshot;
  /** What earlier credit notes of the invoice credited, per invoice line id (absent = 0). */
  readonly creditedByLine: Readonly<Record<string, number>>;
  readonly creditNoteCount: number;
  readonly voided: boolean;
  /** What payments collected on it so far (ChargeSucceeded / PaymentRecorded). */
  readonly collectedMinor: number;
}

export type CreditNoteRequest =
  | {
      readonly kind: 'credit';
      readonly reason: string;
      readonly paidPartTo: CreditNoteSettlement;
      /** A line without `amountMinor` is credited whole: what is left of it after earlier credit notes. */
      readonly lines: readonly { readonly lineId: string; readonly amountMinor?: number }[];
      /** When the caller names a currency it must be the invoice's. */
      readonly currency?: string;
    }
  | { readonly kind: 'void' };

export interface CreditNoteContext {
  readonly creditNoteId: string;
  /** The injected clock: UTC instant of issue. */
  readonly issuedAt: string;
  readonly issuedBy: string;
}

export type CreditNoteRefusalCode =
  | 'invoice_voided'
  | 'carried_forward'
  | 'already_collected'
  | 'has_credit_notes'
  | 'nothing_to_void'
  | 'currency_mismatch'
  | 'unknown_line'
  | 'amount_not_collectible'
  | 'line_amount_exceeded'
  | 'exceeds_invoice_total';

export type CreditNoteRefusal = {
  readonly ok: false;
  readonly code: CreditNoteRefusalCode;
  readonly message: string;
  /** The request field at fault (`body.lines.1.amountMinor`), when one is. */
  readonly field?: string;
};

export type CreditNoteDecision =
  | {
      readonly ok: true;
      readonly draft: CreditNoteDraft;
      /** Prepaid credit the invoice spent that goes back to the account's balance (a void only). */
      readonly creditRestoredMinor: number;
    }
  | CreditNoteRefusal;

const refuse = (code: CreditNoteRefusalCode, message: string, field?: string): CreditNoteRefusal => ({ ok: false, code, message, field });

/**
 * Decides a credit note (or a void) of an issued invoice. Pure; the invoice never changes.
 *
 * The rule for how much may be credited:
 * - in total, at most what the customer was billed: the invoice's `totalMinor` (subtotal minus the
 *   prepaid credit it applied) minus what earlier credit notes credited — more is
 *   `exceeds_invoice_total`;
 * - per line, at most the line's amount minus what earlier credit notes credited on that line —
 *   more is `line_amount_exceeded`. A line given without an amount is credited whole (what is left
 *   of it). On an invoice that applied prepaid credit the lines add up to more than the total, so
 *   whole lines may together exceed it: then give amounts;
 * - every amount in multiples of the currency's collectible increment (10 fils for KWD, BHD, ...;
 *   1 otherwise), like the invoice's lines, so that what stays outstanding can still be collected
 *   and a refund can be paid — else `amount_not_collectible`.
 * Refused outright: a voided invoice (`invoice_voided`), and an invoice whose total was below the
 * provider minimum and carried to the next invoice (`carried_forward`: correct the invoice that
 * carries it, where it is a `carried_balance` line).
 *
 * A void credits the whole total: only an invoice with nothing collected and no credit note yet
 * (`already_collected`, `has_credit_notes`) and something to credit (`nothing_to_void`). Its lines
 * take the total in invoice order, each up to its amount (with prepaid credit applied, the last
 * lines get less or nothing), and the prepaid credit the invoice spent goes back to the account.
 * A void settles the collected part (none, as far as invoicing knows) by refund.
 */
export function decideCreditNote(request: CreditNoteRequest, invoice: CreditableInvoice, ctx: CreditNoteContext): CreditNoteDecision {
  if (invoice.voided) return refuse('invoice_voided', `invoice ${invoice.invoiceNumber} is voided`);
  if (invoice.collection === 'below_provider_minimum') {
    return refuse(
      'carried_forward',
      `invoice ${invoice.invoiceNumber} was below the provider minimum and its total is carried to the next invoice: correct that invoice`,
    );
  }
  const creditedBeforeMinor = Object.values(invoice.creditedByLine).reduce((sum, n) => sum + n, 0);
  const decided = request.kind === 'void' ? voidLines(invoice) : creditLines(request, invoice, creditedBeforeMinor);
  if (!decided.ok) return decided;
  const totalMinor = decided.lines.reduce((sum, line) => sum + line.amountMinor, 0);
  return {
    ok: true,
    creditRestoredMinor: request.kind === 'void' ? invoice.creditAppliedMinor : 0,
    draft: {
      creditNoteId: ctx.creditNoteId,
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      kind: request.kind,
      reason: request.kind === 'void' ? 'void' : request.reason,
      currency: invoice.currency,
      lines: decided.lines,
      totalMinor,
      invoiceTotalMinor: invoice.totalMinor,
      creditedBeforeMinor,
      paidPartTo: request.kind === 'void' ? 'refund' : request.paidPartTo,
      issuedAt: ctx.issuedAt,
      issuedBy: ctx.issuedBy,
      customer: invoice.customer,
    },
  };
}

type Lines = { ok: true; lines: CreditNoteDraft['lines'] } | CreditNoteRefusal;

function voidLines(invoice: CreditableInvoice): Lines {
  if (invoice.collectedMinor > 0) {
    return refuse('already_collected', `invoice ${invoice.invoiceNumber} has collected ${invoice.collectedMinor} (minor units of ${invoice.currency}): credit it instead`);
  }
  if (invoice.creditNoteCount > 0) return refuse('has_credit_notes', `invoice ${invoice.invoiceNumber} already has credit notes: credit the rest instead`);
  if (invoice.totalMinor === 0) return refuse('nothing_to_void', `invoice ${invoice.invoiceNumber} has a total of 0: there is nothing to void`);
  const lines: CreditNoteDraft['lines'][number][] = [];
  let left = invoice.totalMinor;
  for (const line of invoice.lines) {
    const amountMinor = Math.min(line.amountMinor, left);
    if (amountMinor <= 0) continue;
    lines.push({ lineId: line.lineId, description: line.description, amountMinor });
    left -= amountMinor;
  }
  // Lines add up to the subtotal, which is at least the total: only a corrupt invoice leaves some.
  if (left > 0) throw new RangeError(`invoice ${invoice.invoiceId}: its lines add up to less than its total`);
  return { ok: true, lines };
}

function creditLines(request: Extract<CreditNoteRequest, { kind: 'credit' }>, invoice: CreditableInvoice, creditedBeforeMinor: number): Lines {
  if (request.currency !== undefined && request.currency !== invoice.currency) {
    return refuse('currency_mismatch', `the invoice is in ${invoice.currency}, not ${request.currency}`, 'body.currency');
  }
  const increment = collectibleIncrementMinor(invoice.currency);
  const byId = new Map(invoice.lines.map((line) => [line.lineId, line]));
  const lines: CreditNoteDraft['lines'][number][] = [];
  for (const [i, wanted] of request.lines.entries()) {
    const line = byId.get(wanted.lineId);
    if (line === undefined) return refuse('unknown_line', `invoice ${invoice.invoiceNumber} has no line ${wanted.lineId}`, `body.lines.${i}.lineId`);
    const leftMinor = line.amountMinor - (invoice.creditedByLine[line.lineId] ?? 0);
    const amountMinor = wanted.amountMinor ?? leftMinor;
    const field = wanted.amountMinor === undefined ? `body.lines.${i}.lineId` : `body.lines.${i}.amountMinor`;
    if (amountMinor % increment !== 0) {
      return refuse('amount_not_collectible', `${amountMinor} is not a multiple of ${increment} (the smallest collectible amount of ${invoice.currency})`, field);
    }
    if (amountMinor > leftMinor || amountMinor <= 0) {
      return refuse(
        'line_amount_exceeded',
        `line ${line.lineId} has ${Math.max(0, leftMinor)} left to credit (minor units of ${invoice.currency}); ${amountMinor} asked`,
        field,
      );
    }
    lines.push({ lineId: line.lineId, description: line.description, amountMinor });
  }
  const totalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  const creditableMinor = invoice.totalMinor - creditedBeforeMinor;
  if (totalMinor > creditableMinor) {
    return refuse(
      'exceeds_invoice_total',
      `the credit of ${totalMinor} exceeds the ${creditableMinor} left to credit on invoice ${invoice.invoiceNumber} ` +
        `(total ${invoice.totalMinor} minus ${creditedBeforeMinor} credited before, minor units of ${invoice.currency})`,
      'body.lines',
    );
  }
  return { ok: true, lines };
}

/** The month a credit note is numbered in: the UTC month of its issuing instant, YYYY-MM. */
export function creditNoteMonth(issuedAt: string): string {
  const instant = new Date(issuedAt);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`invalid instant: ${JSON.stringify(issuedAt)}`);
  return instant.toISOString().slice(0, 7);
}

/** `CN-2026-12-000042`: the month of issue (UTC) and that month's gap-free sequence, zero-padded to six digits. */
export function formatCreditNoteNumber(month: string, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > 999_999) {
    throw new RangeError(`credit note sequence must be an integer from 1 to 999999, got ${sequence}`);
  }
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  return `CN-${month}-${String(sequence).padStart(6, '0')}`;
}

/** The decided credit note with its number: the CreditNoteIssued payload. */
export function numberCreditNote(draft: CreditNoteDraft, creditNoteNumber: string): CreditNoteIssuedPayload {
  const { creditNoteId, ...rest } = draft;
  return { creditNoteId, creditNoteNumber, ...rest };
}
