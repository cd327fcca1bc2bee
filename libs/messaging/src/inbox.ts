import { EntityManager } from 'typeorm';

/**
 * Records (consumer, eventId) in the caller's transaction and returns the ids that were not
 * handled before. A redelivered event is absent from the result and changes nothing.
 */
export async function claimInbox(manager: EntityManager, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows: { event_id: string }[] = await manager.query(
    `INSERT INTO inbox (consumer, event_id)
     SELECT $1, id FROM unnest($2::uuid[]) AS id
     ON CONFLICT DO NOTHING
     RETURNING event_id`,
    [consumer, eventIds],
  );
  return new Set(rows.map((r) => r.event_id));
}
