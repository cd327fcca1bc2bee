import { minorToMajorString } from '@billing/money';
import { Period, comparePeriods } from './billing-period';
import { InvoiceGeneratedPayload } from './issue-invoice';
import { InvoiceLine } from './rating';

/**
 * The total of an issued invoice that was below the provider's minimum charge, waiting to be
 * added to the account's next invoice in the same currency (table `carried_balances`).
 */
export interface CarriedBalance {
  readonly fromInvoiceId: string;
  readonly fromInvoiceNumber: string;
  /** The period of the invoice it comes from: the carried line's `usagePeriod`. */
  readonly fromPeriod: Period;
  readonly currency: string;
  readonly amountMinor: number;
}

/** The balance an issued invoice leaves to carry forward: its total when below the provider minimum, else none. */
export function balanceToCarry(invoice: InvoiceGeneratedPayload): CarriedBalance | null {
  if (invoice.collection !== 'below_provider_minimum') return null;
  return {
    fromInvoiceId: invoice.invoiceId,
    fromInvoiceNumber: invoice.invoiceNumber,
    fromPeriod: invoice.period,
    currency: invoice.currency,
    amountMinor: invoice.totalMinor,
  };
}

/**
 * The `carried_balance` line a carried balance becomes on the next invoice: one unit at the
 * carried amount (its major-unit decimal), counted in the subtotal like any line. Its line id
 * names the invoice it comes from, so one invoice can never carry the same balance twice.
 */
export function carriedBalanceLine(balance: CarriedBalance): InvoiceLine {
  return {
    kind: 'carried_balance',
    lineId: `carried:${balance.fromInvoiceId}`,
    sku: 'carried-balance',
    description: `Balance carried over from ${balance.fromInvoiceNumber}`,
    resourceId: null,
    unit: 'invoice',
    quantity: '1',
    unitPrice: minorToMajorString(balance.amountMinor, balance.currency),
    amountMinor: balance.amountMinor,
    capped: false,
    usagePeriod: balance.fromPeriod,
    carriedFromInvoiceId: balance.fromInvoiceId,
    carriedFromInvoiceNumber: balance.fromInvoiceNumber,
  };
}

/**
 * The lines an account's invoice for `period` carries: its uncarried balances in the invoice's
 * currency from invoices of earlier periods, oldest first. A balance in another currency (the
 * account's currency cannot change while one is pending) or from a later period is left alone.
 */
export function carriedLinesFor(period: Period, currency: string, balances: readonly CarriedBalance[]): InvoiceLine[] {
  return balances
    .filter((b) => b.currency === currency && comparePeriods(b.fromPeriod, period) < 0)
    .sort((a, b) => comparePeriods(a.fromPeriod, b.fromPeriod) || a.fromInvoiceNumber.localeCompare(b.fromInvoiceNumber))
    .map(carriedBalanceLine);
}
