import { AccountHoldPlacedV1, AccountHoldReleasedV1, ChargeRetryRequestedV1, Envelope, createEvent } from '@billing/events';
import { Provenance, eventMeta } from '@billing/messaging';
import { CollectionsEvent } from '../domain/dunning-decider';

export const PRODUCER = 'collections';

/** Wraps an event a decider returned in its versioned envelope (the payload is checked against its contract). */
export function toEnvelope(event: CollectionsEvent, now: string, provenance: Provenance): Envelope {
  const meta = eventMeta(PRODUCER, now, provenance);
  switch (event.type) {
    case 'ChargeRetryRequested':
      return createEvent(ChargeRetryRequestedV1, meta, event.payload);
    case 'AccountHoldPlaced':
      return createEvent(AccountHoldPlacedV1, meta, event.payload);
    case 'AccountHoldReleased':
      return createEvent(AccountHoldReleasedV1, meta, event.payload);
  }
}
