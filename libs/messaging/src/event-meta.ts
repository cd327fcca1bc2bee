import type { EventMeta } from '@billing/events';
import { newId } from './ids';

/** Where an emitted event comes from: its account (the partition key), the run it belongs to, and its cause. */
export interface Provenance {
  readonly accountId: string;
  readonly correlationId: string;
  /** The event (or provider event id) that caused it; null for a request, a schedule or an operator. */
  readonly causationId: string | null;
}

/**
 * The provenance of an event caused by `cause`: the same account and correlation (the run is
 * carried along), caused by it. Override a field where the new event belongs elsewhere.
 */
export function causedBy(cause: { eventId: string; accountId: string; correlationId: string }): Provenance {
  return { accountId: cause.accountId, correlationId: cause.correlationId, causationId: cause.eventId };
}

/** Envelope metadata of an event `producer` emits at `occurredAt`, with a fresh, time-ordered event id (ids.ts). */
export function eventMeta(producer: string, occurredAt: string, { accountId, correlationId, causationId }: Provenance): EventMeta {
  return { eventId: newId(), occurredAt, producer, accountId, correlationId, causationId };
}
