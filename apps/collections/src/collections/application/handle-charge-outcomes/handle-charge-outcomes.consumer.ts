import { TOPICS } from '@billing/events';
import { decideOnCharge } from '../../domain/payment-recovery-decider';
import { DecidingConsumer } from '../deciding-consumer';

/**
 * Charge outcomes from payments drive the dunning cases (`decideOnCharge`: retry scheduled,
 * exhausted, paid; hold placed or released; the next attempt at once when a failure used a
 * method the account no longer has) and count what each invoice collected. The consumer keeps
 * its first name, `dunning`, so that its group and inbox carry on.
 */
export const handleChargeOutcomes: DecidingConsumer<'ChargeFailed' | 'ChargeSucceeded'> = {
  name: 'dunning',
  topic: TOPICS.payments,
  accepts: ['ChargeFailed', 'ChargeSucceeded'],
  decide: decideOnCharge,
};
