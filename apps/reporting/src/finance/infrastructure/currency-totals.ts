import { CurrencyTotals } from '../domain/reconciliation';
import { toSafeNumber } from './sql';

/**
 * The sums of `invoice_balances` (alias-free) that the reconciliation identity is made of, as the
 * columns `currencyTotals` reads: the month-close report and the reconciliation use the same ones.
 */
export const CURRENCY_SUMS = `sum(total_minor) AS invoiced, sum(carried_forward_minor) AS carried_forward,
  sum(credited_minor) AS credited, sum(collected_minor) AS collected, sum(refunded_minor) AS refunded,
  sum(refund_pending_minor) AS refund_pending, sum(refund_failed_minor) AS refund_failed,
  sum(account_credit_granted_minor) AS account_credit_granted,
  sum(credit_awaiting_settlement_minor) AS credit_awaiting_settlement, sum(outstanding_minor) AS outstanding`;

export function currencyTotals(r: Record<string, unknown>): CurrencyTotals {
  return {
    currency: String(r.currency),
    invoicedMinor: toSafeNumber(r.invoiced),
    carriedForwardMinor: toSafeNumber(r.carried_forward),
    creditedMinor: toSafeNumber(r.credited),
    collectedMinor: toSafeNumber(r.collected),
    refundedMinor: toSafeNumber(r.refunded),
    refundPendingMinor: toSafeNumber(r.refund_pending),
    refundFailedMinor: toSafeNumber(r.refund_failed),
    accountCreditGrantedMinor: toSafeNumber(r.account_credit_granted),
    creditAwaitingSettlementMinor: toSafeNumber(r.credit_awaiting_settlement),
    outstandingMinor: toSafeNumber(r.outstanding),
  };
}
