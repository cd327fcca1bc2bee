import { TOPICS } from '@billing/events';
import { decideOnPaymentMethodChanged } from '../../domain/payment-recovery-decider';
import { DecidingConsumer } from '../deciding-consumer';

/** A new payment method: each unpaid invoice of the account with no attempt in flight is tried on it at once. */
export const retryOnNewPaymentMethod: DecidingConsumer<'AccountPaymentMethodChanged'> = {
  name: 'retry-on-new-payment-method',
  topic: TOPICS.invoices,
  accepts: ['AccountPaymentMethodChanged'],
  decide: decideOnPaymentMethodChanged,
};
