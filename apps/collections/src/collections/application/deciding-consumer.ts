import { randomUUID } from 'node:crypto';
import { BillingEvent, EventOf, EventType, TopicName } from '@billing/events';
import { Clock, ServiceRuntime, causedBy } from '@billing/messaging';
import { Decision, DunningContext } from '../domain/dunning-decider';
import { DunningPolicy } from '../domain/policy';
import { AccountCollections } from '../domain/payment-recovery-decider';
import { AccountInput, decideForAccounts } from './decide-for-accounts';

/** An event as a decider input about its account: the events it causes follow its run and name it as their cause. */
export function eventInput<E extends BillingEvent>(event: E): AccountInput<E> {
  const payload = event.payload as { invoiceId?: string };
  return {
    input: event,
    accountId: event.accountId,
    invoiceId: payload.invoiceId ?? null,
    provenance: causedBy(event),
    lastEventId: event.eventId,
  };
}

export interface DecidingConsumer<T extends EventType> {
  /** The use case: names the inbox rows and the consumer group. */
  readonly name: string;
  readonly topic: TopicName;
  readonly accepts: readonly T[];
  readonly decide: (event: EventOf<T>, state: AccountCollections, context: DunningContext) => Decision<AccountCollections>;
}

/**
 * Registers a Kafka consumer whose whole use case is one decider over the events' accounts:
 * the BatchConsumer validates and records the inbox (a redelivered event changes nothing) in the
 * batch's transaction, and `decideForAccounts` loads, decides, saves and appends in it.
 */
export function addDecidingConsumer<T extends EventType>(
  runtime: ServiceRuntime,
  { policy, clock }: { policy: DunningPolicy; clock: Clock },
  consumer: DecidingConsumer<T>,
): void {
  const accepted = new Set<EventType>(consumer.accepts);
  runtime.addConsumer({
    name: consumer.name,
    topics: [consumer.topic],
    accepts: consumer.accepts,
    handle: async (events, { manager, logger }) => {
      const mine = events.filter((e): e is EventOf<T> => accepted.has(e.type));
      const context: DunningContext = { policy, now: clock.now().toISOString(), newId: randomUUID };
      await decideForAccounts(manager, mine.map(eventInput), (event, state) => consumer.decide(event, state, context), {
        now: context.now,
        logger,
      });
    },
  });
}
