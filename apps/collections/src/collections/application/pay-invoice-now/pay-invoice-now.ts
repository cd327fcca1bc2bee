import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger } from '@billing/messaging';
import { PayNowRejection, decidePayNow } from '../../domain/payment-recovery-decider';
import { accountOfInvoice, findPayNowAnswer, savePayNowAnswer } from '../../infrastructure/invoice-collection.repository';
import { decideForAccounts } from '../decide-for-accounts';
import { inTransactionNow } from '../in-transaction-now';

export interface PayInvoiceNowCommand {
  readonly invoiceId: string;
  readonly idempotencyKey: string;
}

export type PayInvoiceNowError = PayNowRejection | 'idempotency_key_reused';

export type PayInvoiceNowResult =
  | { readonly ok: true; readonly invoiceId: string; readonly attempt: number; readonly replayed: boolean }
  | { readonly ok: false; readonly code: PayInvoiceNowError; readonly message: string };

const MESSAGES: Record<PayInvoiceNowError, (invoiceId: string) => string> = {
  invoice_not_found: (id) => `invoice ${id} is not known to collections`,
  nothing_outstanding: (id) => `invoice ${id} has nothing outstanding`,
  attempt_in_flight: (id) => `a charge attempt for invoice ${id} is in flight; wait for its outcome`,
  idempotency_key_reused: () => 'this Idempotency-Key was used for another invoice',
};

/**
 * An operator asks for a charge attempt now (`decidePayNow`). In one transaction, serialised per
 * idempotency key: a key seen before answers what it answered then (nothing new is requested);
 * otherwise, with the invoice's account locked, the attempt is decided, the ChargeRetryRequested
 * (reason pay_now) appended to the outbox and the answer stored under the key. A refusal writes
 * nothing, so the same key may ask again once the refusal no longer holds.
 */
@Injectable()
export class PayInvoiceNow {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  execute({ invoiceId, idempotencyKey }: PayInvoiceNowCommand): Promise<PayInvoiceNowResult> {
    const refuse = (code: PayInvoiceNowError): PayInvoiceNowResult => ({ ok: false, code, message: MESSAGES[code](invoiceId) });
    return inTransactionNow(this.dataSource, this.clock, async (manager, now) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 12))', [idempotencyKey]);
      const previous = await findPayNowAnswer(manager, idempotencyKey);
      if (previous !== null) {
        return previous.invoiceId === invoiceId ? { ok: true, ...previous, replayed: true } : refuse('idempotency_key_reused');
      }
      const accountId = await accountOfInvoice(manager, invoiceId);
      if (accountId === null) return refuse('invoice_not_found');

      const requestId = randomUUID();
      const [decision] = await decideForAccounts(
        manager,
        [
          {
            input: { type: 'PayNow', invoiceId } as const,
            accountId,
            invoiceId,
            provenance: { accountId, correlationId: `pay-now:${requestId}`, causationId: null },
            lastEventId: requestId,
          },
        ],
        (command, state) => decidePayNow(command, state, { now }),
        { now, logger: this.logger },
      );
      if (decision.rejection !== null || decision.attempt === null) return refuse(decision.rejection ?? 'nothing_outstanding');
      await savePayNowAnswer(manager, idempotencyKey, { invoiceId, attempt: decision.attempt, requestId, requestedAt: now });
      this.logger.info({ invoiceId, accountId, attempt: decision.attempt, requestId }, 'pay-now attempt requested');
      return { ok: true, invoiceId, attempt: decision.attempt, replayed: false };
    });
  }
}
