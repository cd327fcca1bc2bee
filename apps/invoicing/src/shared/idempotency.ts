import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { z } from 'zod';

/** The `Idempotency-Key` header of a write that must not happen twice (validate with `parseRequest(..., 'header.Idempotency-Key')`). */
export const idempotencyKeyHeader = z
  .string({ message: 'is required: a unique key per request makes a repeated request safe' })
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(255, { message: 'must be at most 255 characters' });

/** What makes two requests "the same": sha256 of everything the caller asked for, in a fixed order (not who asked). */
export function requestFingerprint(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');
}

/**
 * Serialises requests with the same key until the transaction ends, so that a twin sent at the same
 * time finds the first one's answer instead of deciding again (the transaction-scoped advisory lock
 * is released by the commit or rollback).
 */
export async function lockIdempotencyKey(manager: EntityManager, key: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 19))', [key]);
}
