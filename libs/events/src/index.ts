export { EventContract, PayloadOf, defineEvent } from './contract';
export { Envelope, envelopeSchema } from './envelope';
export { NUL_MESSAGE, pathOfNul } from './nul';
export * as fields from './fields';
export { CustomerSnapshot, LIMITS, isBcp47Locale, isIanaTimeZone } from './fields';
export {
  BillingEvent,
  CONTRACTS,
  EventContractError,
  EventMeta,
  EventOf,
  EventType,
  ParseFailure,
  ParseResult,
  contractFor,
  createEvent,
  describeZodError,
  parseEvent,
} from './registry';
export { LEDGER_TOPICS, TOPICS, TopicName, monthCloseKey } from './topics';
export { AccountHoldPlacedV1, unpaidInvoiceV1 } from './events/account-hold-placed.v1';
export { AccountHoldReleasedV1 } from './events/account-hold-released.v1';
export { AccountPaymentMethodChangedV1 } from './events/account-payment-method-changed.v1';
export { ChargeFailedV1 } from './events/charge-failed.v1';
export { ChargeRetryRequestedV1 } from './events/charge-retry-requested.v1';
export { ChargeSkippedV1 } from './events/charge-skipped.v1';
export { ChargeSucceededV1 } from './events/charge-succeeded.v1';
export { CreditNoteIssuedV1, CreditNoteSettlement, creditNoteLineV1, creditNoteSettlementV1 } from './events/credit-note-issued.v1';
export { CreditNoteSettledV1 } from './events/credit-note-settled.v1';
export { EmailFailedV1 } from './events/email-failed.v1';
export { EmailSentV1, emailTemplate } from './events/email-sent.v1';
export { InvoiceCollection, InvoiceGeneratedV1, invoiceCollectionV1, invoiceLineV1 } from './events/invoice-generated.v1';
export { MonthCloseAccountFailedV1 } from './events/month-close-account-failed.v1';
export { MonthCloseCompletedV1 } from './events/month-close-completed.v1';
export { MonthCloseProgressedV1 } from './events/month-close-progressed.v1';
export { MonthCloseRequestedV1 } from './events/month-close-requested.v1';
export { PaymentRecordedV1 } from './events/payment-recorded.v1';
export { RefundFailedV1 } from './events/refund-failed.v1';
export { RefundSucceededV1 } from './events/refund-succeeded.v1';
export { UsageRecordedV1 } from './events/usage-recorded.v1';
