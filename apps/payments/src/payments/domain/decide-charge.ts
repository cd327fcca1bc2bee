import { InvoiceCollection } from '@billing/events';
import { ProviderAmountFailureCode, isBelowProviderMinimum, toProviderAmount } from '@billing/provider-units';
import { InvoiceBalance, outstandingMinor } from './invoice-snapshot';

/**
 * What to do with one charge request (InvoiceGenerated = attempt 1, ChargeRetryRequested =
 * attempt n). The amount is what the INVOICE says is still outstanding — its immutable total
 * minus what was already collected for it and what credit notes took off it (so the retry after
 * a partial credit charges less) — never a balance read at charge time. The payment
 * method is NOT the invoice's: it is the account's current one at the time of the attempt
 * (the invoice snapshot's only for an account payments never heard of).
 *
 * Order of the checks (the first that holds decides):
 * 1. nothing outstanding (zero total, paid, or credited) → skip `nothing_to_collect`
 *    (a paid invoice is never charged again, whatever the method)
 * 2. how invoicing said at issue to collect it (`collection`; an invoice without it, issued
 *    before the field existed, is decided by 3–6 alone):
 *    - `manual_*` (e.g. above the provider maximum)   → skip `manual_collection`, every attempt
 *    - `below_provider_minimum`                        → skip `below_provider_minimum`, every
 *      attempt: its total is carried to the account's next invoice, charging it would charge
 *      it twice
 *    - `no_payment_method`                             → attempt 1: skip `no_payment_method`
 *      (what the invoice email promised); a later attempt (a new method, pay-now) is decided
 *      by 3–6 with the account's current method, so a card added after issue is charged
 * 3. outstanding below the provider minimum            → skip `below_provider_minimum`
 * 4. no current payment method                         → skip `no_payment_method`
 *    Decision: a skip, not a ChargeFailed. No provider call was made, so there is no
 *    provider error code or decline to report. A method added later is charged by the next
 *    attempt collections requests.
 * 5. the amount cannot be expressed at the provider     → `refuse` (a bug upstream: e.g. a
 *    KWD amount not ending in 0 must be rounded by invoicing before issue; never rounded here)
 * 6. otherwise                                          → charge the outstanding amount
 */
export interface InvoiceToCharge extends InvoiceBalance {
  readonly currency: string;
  /** The account's payment method at the time of this attempt. */
  readonly paymentMethodId: string | null;
  /** 1 = the invoice's first charge (InvoiceGenerated); n = a retry or pay-now. */
  readonly attempt: number;
  /** From InvoiceGenerated; null or absent on invoices issued before the field existed. */
  readonly collection?: InvoiceCollection | null;
}

export type SkipReason = 'nothing_to_collect' | 'below_provider_minimum' | 'no_payment_method' | 'manual_collection';

const AUTOMATIC: ReadonlySet<InvoiceCollection> = new Set(['charge_automatically', 'nothing_due']);

export type ChargeDecision =
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly amountMinor: number }
  | {
      readonly kind: 'charge';
      readonly amountMinor: number;
      readonly providerAmount: number;
      readonly providerCurrency: string;
    }
  | { readonly kind: 'refuse'; readonly code: ProviderAmountFailureCode; readonly message: string };

export function decideCharge(invoice: InvoiceToCharge): ChargeDecision {
  const outstanding = outstandingMinor(invoice);
  if (outstanding === 0) return { kind: 'skip', reason: 'nothing_to_collect', amountMinor: 0 };
  const skip = (reason: SkipReason): ChargeDecision => ({ kind: 'skip', reason, amountMinor: outstanding });
  const collection = invoice.collection ?? null;
  if (collection === 'below_provider_minimum') return skip('below_provider_minimum');
  if (collection === 'no_payment_method') {
    if (invoice.attempt === 1) return skip('no_payment_method');
  } else if (collection !== null && !AUTOMATIC.has(collection)) {
    return skip('manual_collection');
  }
  if (isBelowProviderMinimum(outstanding, invoice.currency)) return skip('below_provider_minimum');
  if (invoice.paymentMethodId === null) return skip('no_payment_method');
  const provider = toProviderAmount(outstanding, invoice.currency);
  if (!provider.ok) return { kind: 'refuse', code: provider.code, message: provider.message };
  return { kind: 'charge', amountMinor: outstanding, providerAmount: provider.amount, providerCurrency: provider.currency };
}

/** The provider idempotency key of one attempt: a retry of the same attempt reuses it, attempt n+1 gets its own. */
export function chargeIdempotencyKey(invoiceId: string, attempt: number): string {
  return `invoice:${invoiceId}:attempt:${attempt}`;
}
