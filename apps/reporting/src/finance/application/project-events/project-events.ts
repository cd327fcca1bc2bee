import { EntityManager } from 'typeorm';
import { BillingEvent, CONTRACTS, LEDGER_TOPICS } from '@billing/events';
import { ConsumerDefinition, Logger } from '@billing/messaging';
import { projectEvents } from '../../domain/projection';
import { PROJECTOR_NAME, assertCurrentGeneration, projectorGroupId } from '../../infrastructure/projection-state';
import { writeProjection } from '../../infrastructure/projection-writer';

/**
 * Projects a batch of first deliveries into the finance tables, in the consumer's transaction.
 * Owns no decision: every event type of every ledger topic is recorded as the fact it states.
 */
export async function projectBatch(events: BillingEvent[], manager: EntityManager, generation: number, logger: Logger): Promise<void> {
  await assertCurrentGeneration(manager, generation);
  const batch = projectEvents(events);
  await writeProjection(manager, batch);
  logger.debug(
    { events: events.length, invoices: batch.invoices.length, attempts: batch.attempts.length, emails: batch.emails.length },
    'projected batch',
  );
}

/** The one projector consumer of a generation: every ledger topic, every event type. */
export function projectorDefinition(topicPrefix: string, generation: number): ConsumerDefinition {
  return {
    name: PROJECTOR_NAME,
    groupId: projectorGroupId(topicPrefix, generation),
    topics: LEDGER_TOPICS,
    accepts: CONTRACTS.map((c) => c.type),
    handle: (events, { manager, logger }) => projectBatch(events, manager, generation, logger),
  };
}
