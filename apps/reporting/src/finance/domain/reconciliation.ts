/**
 * The one arithmetic identity finance checks per currency and billing period, to the minor unit:
 *
 *   invoiced - carriedForward - credited
 *     = collected - (refunded + refundPending + refundFailed + accountCreditGranted + creditAwaitingSettlement)
 *       + outstanding
 *
 * - invoiced - carriedForward: what the period's invoices asked for (a total below the provider
 *   minimum is carried to a later invoice and billed again there);
 * - credited: every credit note (and void) of those invoices, settled or not;
 * - the bracket: collected money that is no longer the company's because a credit note gave it
 *   back: refunded (the provider refunded it), refundPending (settled to refund, no outcome yet),
 *   refundFailed (the provider refused: still owed to the customer until finance refunds it by
 *   hand), accountCreditGranted (kept as the account's credit balance for its next invoice) and
 *   creditAwaitingSettlement (a note issued on collected money that payments has not settled yet);
 * - outstanding: still owed by customers, after the credits applied to it.
 * A credit applied to what was outstanding appears only as less outstanding. The identity breaks
 * when an invoice is over-collected (more came in than its total less its credits, or a carried
 * total was paid as well) or over-refunded, since outstanding never goes below zero.
 */
export interface CurrencyTotals {
  currency: string;
  invoicedMinor: number;
  carriedForwardMinor: number;
  creditedMinor: number;
  collectedMinor: number;
  refundedMinor: number;
  refundPendingMinor: number;
  refundFailedMinor: number;
  accountCreditGrantedMinor: number;
  creditAwaitingSettlementMinor: number;
  outstandingMinor: number;
}

export interface TotalsMismatch extends CurrencyTotals {
  differenceMinor: number;
}

/** Collected money a credit note gave back to the customer (paid out, owed, or kept as credit). */
export function returnedToCustomers(t: CurrencyTotals): number {
  return t.refundedMinor + t.refundPendingMinor + t.refundFailedMinor + t.accountCreditGrantedMinor + t.creditAwaitingSettlementMinor;
}

export function totalsThatDoNotAddUp(totals: readonly CurrencyTotals[]): TotalsMismatch[] {
  return totals
    .map((t) => ({
      ...t,
      differenceMinor: t.invoicedMinor - t.carriedForwardMinor - t.creditedMinor - (t.collectedMinor - returnedToCustomers(t) + t.outstandingMinor),
    }))
    .filter((t) => t.differenceMinor !== 0);
}
