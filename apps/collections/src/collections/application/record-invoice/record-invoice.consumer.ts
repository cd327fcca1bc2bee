import { TOPICS } from '@billing/events';
import { decideOnInvoiceGenerated } from '../../domain/payment-recovery-decider';
import { DecidingConsumer } from '../deciding-consumer';

/** Every issued invoice is known to collections: its total, its collection decision, attempt 1 with payments. */
export const recordInvoice: DecidingConsumer<'InvoiceGenerated'> = {
  name: 'record-invoice',
  topic: TOPICS.invoices,
  accepts: ['InvoiceGenerated'],
  decide: decideOnInvoiceGenerated,
};
