import { TOPICS } from '@billing/events';
import { decideOnPaymentRecorded } from '../../domain/payment-recovery-decider';
import { DecidingConsumer } from '../deciding-consumer';

/** A payment received outside the provider: paid in full closes the case (the hold released once nothing is overdue); partial keeps it open. */
export const recordOfflinePayment: DecidingConsumer<'PaymentRecorded'> = {
  name: 'record-offline-payment',
  topic: TOPICS.payments,
  accepts: ['PaymentRecorded'],
  decide: decideOnPaymentRecorded,
};
