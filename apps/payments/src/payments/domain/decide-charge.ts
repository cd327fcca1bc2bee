import { InvoiceCollection } from '@billing/events';
import { ProviderAmountFailureCode, isBelowProviderMinimum, toProviderAmount } from '@billing/provider-units';

/**
 * What to do with one charge request (InvoiceGenerated = attempt 1, ChargeRetryRequested =
 * attempt n). The amount is what the INVOICE says is still outstanding — its immutable total
 * minus what was already collected for it — never a balance read at charge time.
 *
 * Order of the checks (the first that holds decides):
 * 1. nothing outstanding (zero total, or already paid)  → skip `nothing_to_collect`
 * 1a. invoicing marked the invoice for manual collection (`collection` other than
 *    `charge_automatically`/`nothing_due`, e.g. above the provider maximum)
 *                                                       → skip `manual_collection`; the
 *    amount stays outstanding and finance collects it by hand. An invoice without
 *    `collection` (issued before the field existed) is decided as before.
 * 2. outstanding below the provider minimum            → skip `below_provider_minimum`
 * 3. no payment method on the invoice snapshot          → skip `no_payment_method`
 *    Decision: a skip, not a ChargeFailed. No provider call was made, so there is no
 *    provider error code or decline to report, and the snapshot is immutable, so a dunning
 *    retry of the same invoice could never succeed either. Finance sees the ChargeSkipped
 *    (reason no_payment_method) and collects the invoice by other means.
 * 4. the amount cannot be expressed at the provider     → `refuse` (a bug upstream: e.g. a
 *    KWD amount not ending in 0 must be rounded by invoicing before issue; never rounded here)
 * 5. otherwise                                          → charge the outstanding amount
 */
export interface InvoiceToCharge {
  readonly currency: string;
  readonly totalMinor: number;
  readonly collectedMinor: number;
  readonly paymentMethodId: string | null;
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
  const outstanding = Math.max(0, invoice.totalMinor - invoice.collectedMinor);
  if (outstanding === 0) return { kind: 'skip', reason: 'nothing_to_collect', amountMinor: 0 };
  if (invoice.collection != null && !AUTOMATIC.has(invoice.collection)) {
    return { kind: 'skip', reason: 'manual_collection', amountMinor: outstanding };
  }
  if (isBelowProviderMinimum(outstanding, invoice.currency)) {
    return { kind: 'skip', reason: 'below_provider_minimum', amountMinor: outstanding };
  }
  if (invoice.paymentMethodId === null) return { kind: 'skip', reason: 'no_payment_method', amountMinor: outstanding };
  const provider = toProviderAmount(outstanding, invoice.currency);
  if (!provider.ok) return { kind: 'refuse', code: provider.code, message: provider.message };
  return { kind: 'charge', amountMinor: outstanding, providerAmount: provider.amount, providerCurrency: provider.currency };
}

/** The provider idempotency key of one attempt: a retry of the same attempt reuses it, attempt n+1 gets its own. */
export function chargeIdempotencyKey(invoiceId: string, attempt: number): string {
  return `invoice:${invoiceId}:attempt:${attempt}`;
}
