import { CustomerSnapshot, InvoiceCollection } from '@billing/events';
import { CurrencyCode } from '@billing/money';

/** What payments keeps of an invoice (from InvoiceGenerated) and how much of it was collected. */
export interface InvoiceSnapshot {
  invoiceId: string;
  accountId: string;
  invoiceNumber: string;
  currency: CurrencyCode;
  totalMinor: number;
  collectedMinor: number;
  customer: CustomerSnapshot;
  providerCustomerId: string | null;
  paymentMethodId: string | null;
  /** How invoicing said to collect it; null for invoices issued before the field existed. */
  collection: InvoiceCollection | null;
  issuedAt: string;
  dueAt: string;
  correlationId: string;
}
