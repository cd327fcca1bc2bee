import { randomUUID } from 'node:crypto';
import { EventMeta } from '@billing/events';

/** Nest tokens for the collections settings taken from the validated config. */
export const DUNNING_POLICY = Symbol('DUNNING_POLICY');
export const SCHEDULER_SETTINGS = Symbol('SCHEDULER_SETTINGS');

export interface SchedulerSettings {
  readonly enabled: boolean;
  readonly pollMs: number;
  readonly batchSize: number;
}

export const PRODUCER = 'collections';

/** Envelope metadata for an event collections emits; the run (correlation) is carried along. */
export function eventMeta(now: string, accountId: string, correlationId: string, causationId: string | null): EventMeta {
  return { eventId: randomUUID(), occurredAt: now, producer: PRODUCER, accountId, correlationId, causationId };
}
