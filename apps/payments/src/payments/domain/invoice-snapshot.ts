import { CustomerSnapshot, InvoiceCollection } from '@billing/events';
import { CurrencyCode } from '@billing/money';

/** What the invoice still owes: its total minus what was collected and what credit notes took off it. */
export interface InvoiceBalance {
  readonly totalMinor: number;
  /** Card charges that succeeded and payments recorded offline (refunds do not lower it). */
  readonly collectedMinor: number;
  /** The parts of credit notes applied to what was outstanding (CreditNoteSettled.appliedToOutstandingMinor). */
  readonly creditedMinor: number;
}

export function outstandingMinor(invoice: InvoiceBalance): number {
  return Math.max(0, invoice.totalMinor - invoice.collectedMinor - invoice.creditedMinor);
}

/** What payments keeps of an invoice (from InvoiceGenerated) and how much of it was collected or credited. */
export interface InvoiceSnapshot {
  invoiceId: string;
  accountId: string;
  invoiceNumber: string;
  currency: CurrencyCode;
  totalMinor: number;
  collectedMinor: number;
  creditedMinor: number;
  customer: CustomerSnapshot;
  providerCustomerId: string | null;
  paymentMethodId: string | null;
  /** How invoicing said to collect it; null for invoices issued before the field existed. */
  collection: InvoiceCollection | null;
  issuedAt: string;
  dueAt: string;
  correlationId: string;
}
