import { providerStepMinor } from '@billing/provider-units';
import { InvoiceBalance, outstandingMinor } from './invoice-snapshot';

/**
 * How one credit note (CreditNoteIssued) changes the money of its invoice — decided once per
 * credit note, from the invoice's balance at that moment. Pure; the first rule that holds decides:
 * 1. another currency than the invoice's           → refuse `currency_mismatch` (a bug upstream:
 *    dead-lettered, nothing written)
 * 2. a card attempt of the invoice is pending       → defer `charge_in_flight`: its amount was
 *    decided before this credit and its outcome is not known, so "what was collected" is not
 *    known either; the credit note is redelivered and settled once the attempt has its outcome
 *    (a charge decided BEFORE a credit is read is what the partition order says happened first)
 * 3. otherwise settle:
 *    - appliedToOutstanding = min(credit, total − collected − earlier credits applied): no longer
 *      owed; every later attempt charges total − collected − credited (0 left: nothing charged)
 *    - the rest was already collected. `paidPartTo: account_credit` → all of it is account credit.
 *      `paidPartTo: refund` → refunded to the card that paid, as far as a card paid and the
 *      provider can take the amount: at most what the invoice's succeeded card charge still holds
 *      (its amount minus earlier refunds of it), rounded DOWN to the provider's step (KWD/BHD:
 *      thousandths ending in 0). What cannot go back to a card — collected offline (bank transfer,
 *      cheque: no card to refund to) or the sub-step remainder (KWD 0.005) — becomes account
 *      credit for the next invoice, never lost and never sent as an amount Stripe refuses.
 */
export type PaidPartTo = 'refund' | 'account_credit';

export interface CreditNoteToSettle {
  readonly currency: string;
  readonly totalMinor: number;
  readonly paidPartTo: PaidPartTo;
}

export interface InvoiceToCredit extends InvoiceBalance {
  readonly currency: string;
  /** A card attempt of the invoice is pending: its provider call may be in flight. */
  readonly chargeInFlight: boolean;
  /** What the invoice's succeeded card charge can still give back: its amount minus refunds already made or planned. */
  readonly cardRefundableMinor: number;
}

export interface Settlement {
  readonly kind: 'settle';
  readonly appliedToOutstandingMinor: number;
  readonly refundMinor: number;
  readonly accountCreditMinor: number;
  readonly outstandingAfterMinor: number;
}

export type SettlementDecision =
  | Settlement
  | { readonly kind: 'defer'; readonly code: 'charge_in_flight'; readonly message: string }
  | { readonly kind: 'refuse'; readonly code: 'currency_mismatch'; readonly message: string };

export function decideSettlement(invoice: InvoiceToCredit, creditNote: CreditNoteToSettle): SettlementDecision {
  if (creditNote.currency !== invoice.currency) {
    return {
      kind: 'refuse',
      code: 'currency_mismatch',
      message: `the invoice is in ${invoice.currency}, the credit note in ${creditNote.currency}`,
    };
  }
  if (invoice.chargeInFlight) {
    return {
      kind: 'defer',
      code: 'charge_in_flight',
      message: 'a card attempt of the invoice is pending; the credit note is settled once it has its outcome',
    };
  }
  const outstanding = outstandingMinor(invoice);
  const applied = Math.min(creditNote.totalMinor, outstanding);
  const paidPart = creditNote.totalMinor - applied;
  const toCard = creditNote.paidPartTo === 'refund' ? Math.min(paidPart, Math.max(0, invoice.cardRefundableMinor)) : 0;
  const refund = toCard - (toCard % providerStepMinor(invoice.currency));
  return {
    kind: 'settle',
    appliedToOutstandingMinor: applied,
    refundMinor: refund,
    accountCreditMinor: paidPart - refund,
    outstandingAfterMinor: outstanding - applied,
  };
}

/** The provider idempotency key of a credit note's refund: every repeat of it is the same refund. */
export function refundIdempotencyKey(creditNoteId: string): string {
  return `refund:${creditNoteId}`;
}

/**
 * Refusals of a refund request that are final answers about the charge, not bugs in our request:
 * reported as RefundFailed (finance refunds by hand), never retried.
 */
const FINAL_REFUND_REFUSALS: ReadonlySet<string> = new Set([
  'charge_already_refunded',
  'amount_too_large',
  'charge_disputed',
  'refund_disputed_payment',
  'balance_insufficient',
  'insufficient_funds',
]);

export function isFinalRefundRefusal(code: string | null): boolean {
  return code !== null && FINAL_REFUND_REFUSALS.has(code);
}
