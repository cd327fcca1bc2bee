import { DunningContext, DunningInput, Decision, decideDueHold, decideDueRetries, decideManualRelease } from './dunning-decider';
import { attemptRequested } from './invoice-collection';
import {
  AccountCollections,
  ChargeSkipped,
  CreditNoteSettled,
  InvoiceGenerated,
  PayNow,
  PaymentMethodChanged,
  PaymentRecorded,
  decideOnCharge,
  decideOnChargeSkipped,
  decideOnCreditNoteSettled,
  decideOnInvoiceGenerated,
  decideOnPaymentMethodChanged,
  decideOnPaymentRecorded,
  decidePayNow,
} from './payment-recovery-decider';

export type CollectionsInput =
  | DunningInput
  | InvoiceGenerated
  | PaymentMethodChanged
  | ChargeSkipped
  | PaymentRecorded
  | CreditNoteSettled
  | PayNow;

/**
 * The account's whole collections as one decider (what the scenarios drive): each input goes to
 * its reaction. The scheduler's retries also count as requested attempts of their invoices.
 */
export function decideCollections(input: CollectionsInput, state: AccountCollections, context: DunningContext): Decision<AccountCollections> {
  switch (input.type) {
    case 'InvoiceGenerated':
      return decideOnInvoiceGenerated(input, state);
    case 'AccountPaymentMethodChanged':
      return decideOnPaymentMethodChanged(input, state, context);
    case 'ChargeFailed':
    case 'ChargeSucceeded':
      return decideOnCharge(input, state, context);
    case 'ChargeSkipped':
      return decideOnChargeSkipped(input, state, context);
    case 'PaymentRecorded':
      return decideOnPaymentRecorded(input, state, context);
    case 'CreditNoteSettled':
      return decideOnCreditNoteSettled(input, state, context);
    case 'PayNow':
      return decidePayNow(input, state, context);
    case 'RequestDueRetries': {
      const decision = decideDueRetries(input, state, context);
      const invoices = state.invoices.map((i) =>
        decision.events.some((e) => e.payload.invoiceId === i.invoiceId) ? attemptRequested(i, state.method?.paymentMethodId ?? null) : i,
      );
      return { state: { ...decision.state, invoices }, events: decision.events };
    }
    case 'PlaceDueHold': {
      const decision = decideDueHold(input, state, context);
      return { state: { ...state, hold: decision.state.hold }, events: decision.events };
    }
    case 'ReleaseHoldManually':
      return decideManualRelease(input, state, context);
  }
}
