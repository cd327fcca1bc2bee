import { TOPICS } from '@billing/events';
import { decideOnCreditNoteSettled } from '../../domain/payment-recovery-decider';
import { DecidingConsumer } from '../deciding-consumer';

/** A credit note settled by payments: nothing left owed closes the case (the hold released once nothing is overdue); partial keeps it open. */
export const closeCreditedInvoice: DecidingConsumer<'CreditNoteSettled'> = {
  name: 'close-credited-invoice',
  topic: TOPICS.payments,
  accepts: ['CreditNoteSettled'],
  decide: decideOnCreditNoteSettled,
};
