import { randomUUID } from 'node:crypto';
import { AccountHoldPlacedV1, AccountHoldReleasedV1, ChargeRetryRequestedV1, Envelope, EventMeta, createEvent } from '@billing/events';
import { CollectionsEvent } from '../domain/dunning-decider';

export const PRODUCER = 'collections';

/** Where an event collections emits comes from: the account, the run (correlation) carried along, its cause. */
export interface Provenance {
  readonly accountId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** Envelope metadata for an event collections emits at `now`. */
export function eventMeta(now: string, { accountId, correlationId, causationId }: Provenance): EventMeta {
  return { eventId: randomUUID(), occurredAt: now, producer: PRODUCER, accountId, correlationId, causationId };
}

/** Wraps an event a decider returned in its versioned envelope (the payload is checked against its contract). */
export function toEnvelope(event: CollectionsEvent, now: string, provenance: Provenance): Envelope {
  const meta = eventMeta(now, provenance);
  switch (event.type) {
    case 'ChargeRetryRequested':
      return createEvent(ChargeRetryRequestedV1, meta, event.payload);
    case 'AccountHoldPlaced':
      return createEvent(AccountHoldPlacedV1, meta, event.payload);
    case 'AccountHoldReleased':
      return createEvent(AccountHoldReleasedV1, meta, event.payload);
  }
}
