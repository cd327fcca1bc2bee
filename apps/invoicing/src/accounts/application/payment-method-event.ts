import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AccountPaymentMethodChangedV1, createEvent } from '@billing/events';
import { appendToOutbox, eventMeta } from '@billing/messaging';
import { Account } from '../domain/account';
import { decidePaymentMethodChange } from '../domain/payment-method-change';

/**
 * Appends AccountPaymentMethodChanged to the outbox, in the write's transaction, when the write
 * set or changed the account's payment method or provider customer; nothing otherwise.
 */
export async function appendPaymentMethodChange(manager: EntityManager, before: Account | null, after: Account, now: string): Promise<void> {
  const change = decidePaymentMethodChange(before, after, now);
  if (!change) return;
  const meta = eventMeta('invoicing', now, { accountId: after.accountId, correlationId: randomUUID(), causationId: null });
  await appendToOutbox(manager, [createEvent(AccountPaymentMethodChangedV1, meta, change)]);
}
