import { z } from 'zod';
import { utcInstant, uuid } from './fields';

/** The envelope every event travels in. `accountId` is the partition key. */
export const envelopeSchema = z.object({
  eventId: uuid,
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: utcInstant,
  producer: z.string().min(1),
  accountId: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  payload: z.unknown(),
});

export interface Envelope<T extends string = string, V extends number = number, P = unknown> {
  eventId: string;
  type: T;
  version: V;
  occurredAt: string;
  producer: string;
  accountId: string;
  correlationId: string;
  causationId: string | null;
  payload: P;
}
