import { TOPICS } from '@billing/events';
import { decideOnChargeSkipped } from '../../domain/payment-recovery-decider';
import { DecidingConsumer } from '../deciding-consumer';

/** Payments made no provider call: the attempt is resolved; skipped for want of a method, the invoice waits for one (no case, no hold). */
export const recordChargeSkip: DecidingConsumer<'ChargeSkipped'> = {
  name: 'record-charge-skip',
  topic: TOPICS.payments,
  accepts: ['ChargeSkipped'],
  decide: decideOnChargeSkipped,
};
