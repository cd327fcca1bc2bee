import { InvoiceBalance, outstandingMinor } from './invoice-snapshot';

/**
 * Whether a payment received outside the provider (bank transfer, cheque) can be recorded
 * against an invoice. Pure: the invoice's balance, whether a card attempt is in flight and the
 * clock are passed in. The first check that holds decides:
 * 1. another currency than the invoice's              → refuse `currency_mismatch` (422)
 * 2. a card attempt of the invoice is pending          → refuse `charge_in_flight` (409): its
 *    amount was decided from the balance before this payment, recording both could collect
 *    twice; finance tries again once the attempt has its outcome
 * 3. more than is outstanding (total − collected − credited) → refuse `amount_exceeds_outstanding`
 *    (422): no silent credit — an overpayment is a refund or a credit note, decided by a person
 * 4. received after now                                → refuse `received_in_future` (422)
 * 5. otherwise record it; a partial payment leaves the rest outstanding
 */
export type OfflinePaymentMethod = 'bank_transfer' | 'cheque' | 'other';

export interface InvoiceToPay extends InvoiceBalance {
  readonly currency: string;
  readonly chargeInFlight: boolean;
}

export interface OfflinePaymentToRecord {
  readonly amountMinor: number;
  readonly currency: string;
  readonly receivedAt: string;
}

export type OfflinePaymentRefusal = 'currency_mismatch' | 'charge_in_flight' | 'amount_exceeds_outstanding' | 'received_in_future';

export type OfflinePaymentDecision =
  | { readonly kind: 'record'; readonly amountMinor: number; readonly outstandingAfterMinor: number }
  | { readonly kind: 'refuse'; readonly code: OfflinePaymentRefusal; readonly message: string };

export function decideOfflinePayment(invoice: InvoiceToPay, payment: OfflinePaymentToRecord, now: Date): OfflinePaymentDecision {
  if (payment.currency !== invoice.currency) {
    return { kind: 'refuse', code: 'currency_mismatch', message: `the invoice is in ${invoice.currency}, the payment in ${payment.currency}` };
  }
  if (invoice.chargeInFlight) {
    return {
      kind: 'refuse',
      code: 'charge_in_flight',
      message: 'a card charge of this invoice is in flight; record the payment once it has its outcome',
    };
  }
  const outstanding = outstandingMinor(invoice);
  if (payment.amountMinor > outstanding) {
    return {
      kind: 'refuse',
      code: 'amount_exceeds_outstanding',
      message: `the payment of ${payment.amountMinor} is more than the ${outstanding} outstanding (minor units of ${invoice.currency}); an overpayment is not kept as credit`,
    };
  }
  if (Date.parse(payment.receivedAt) > now.getTime()) {
    return { kind: 'refuse', code: 'received_in_future', message: `receivedAt ${payment.receivedAt} is in the future` };
  }
  return { kind: 'record', amountMinor: payment.amountMinor, outstandingAfterMinor: outstanding - payment.amountMinor };
}
