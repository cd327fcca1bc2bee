import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PaymentRecordedV1, createEvent } from '@billing/events';
import { CLOCK, Clock, appendToOutbox, eventMeta, newId } from '@billing/messaging';
import { OfflinePaymentMethod, OfflinePaymentRefusal, decideOfflinePayment } from '../../domain/decide-offline-payment';
import { addCollected, findInvoices } from '../../infrastructure/invoice-snapshot-store';
import {
  OfflinePayment,
  StoredOfflinePayment,
  findOfflinePaymentByKey,
  hasPendingAttempt,
  insertOfflinePayment,
} from '../../infrastructure/offline-payment-store';
import { PRODUCER } from '../record-charge-outcomes';

export interface RecordOfflinePaymentCommand {
  invoiceId: string;
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  method: OfflinePaymentMethod;
  reference: string;
  /** UTC ISO-8601, normalised (toISOString). */
  receivedAt: string;
  recordedBy: string;
}

export type RecordOfflinePaymentResult =
  | { readonly ok: true; readonly replayed: boolean; readonly payment: OfflinePayment }
  | { readonly ok: false; readonly code: OfflinePaymentRefusal | 'not_found' | 'idempotency_key_reused'; readonly message: string };

/**
 * Records a payment received outside the provider (bank transfer, cheque) against an invoice,
 * in one transaction: the `offline_payments` row, `collected_minor` += amount, and
 * PaymentRecorded in the outbox. The invoice row is locked FOR UPDATE, so this and the charge
 * plan (which locks it too) take turns: neither decides from a balance the other is changing.
 *
 * Idempotency: one payment per `Idempotency-Key`. The same key with the same request answers
 * the first payment again and writes nothing; with another request (another invoice, amount,
 * currency, method, reference or receivedAt) it is refused. A refused request stores nothing,
 * so its key may be used again (e.g. once a pending card attempt has its outcome).
 */
@Injectable()
export class RecordOfflinePayment {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(command: RecordOfflinePaymentCommand): Promise<RecordOfflinePaymentResult> {
    const fingerprint = fingerprintOf(command);
    return this.dataSource.transaction(async (manager) => {
      const earlier = await findOfflinePaymentByKey(manager, command.idempotencyKey);
      if (earlier !== undefined) return replay(earlier, fingerprint);

      const invoice = (await findInvoices(manager, [command.invoiceId], { lock: true })).get(command.invoiceId);
      if (invoice === undefined) return { ok: false, code: 'not_found', message: `invoice ${command.invoiceId} is unknown to payments` };
      // A twin request of the same invoice waited for the lock: it finds the first one's row now.
      const twin = await findOfflinePaymentByKey(manager, command.idempotencyKey);
      if (twin !== undefined) return replay(twin, fingerprint);

      const now = this.clock.now();
      const decision = decideOfflinePayment(
        { ...invoice, chargeInFlight: await hasPendingAttempt(manager, invoice.invoiceId) },
        command,
        now,
      );
      if (decision.kind === 'refuse') return { ok: false, code: decision.code, message: decision.message };

      const payment: StoredOfflinePayment = {
        paymentId: newId(),
        invoiceId: invoice.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        amountMinor: decision.amountMinor,
        currency: invoice.currency,
        method: command.method,
        reference: command.reference,
        receivedAt: command.receivedAt,
        recordedAt: now.toISOString(),
        recordedBy: command.recordedBy,
        outstandingAfterMinor: decision.outstandingAfterMinor,
        idempotencyKey: command.idempotencyKey,
        requestFingerprint: fingerprint,
      };
      if (!(await insertOfflinePayment(manager, payment))) {
        // The key was taken meanwhile by a request for another invoice: nothing written yet.
        return replay((await findOfflinePaymentByKey(manager, command.idempotencyKey))!, fingerprint);
      }
      await addCollected(manager, new Map([[invoice.invoiceId, payment.amountMinor]]));
      await this.emit(manager, payment, invoice);
      const { idempotencyKey: _key, requestFingerprint: _fingerprint, ...answer } = payment;
      return { ok: true, replayed: false, payment: answer };
    });
  }

  private async emit(manager: EntityManager, payment: OfflinePayment, invoice: { accountId: string; correlationId: string }): Promise<void> {
    await appendToOutbox(manager, [
      createEvent(
        PaymentRecordedV1,
        eventMeta(PRODUCER, payment.recordedAt, { accountId: invoice.accountId, correlationId: invoice.correlationId, causationId: null }),
        {
          invoiceId: payment.invoiceId,
          invoiceNumber: payment.invoiceNumber,
          paymentId: payment.paymentId,
          method: payment.method,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          reference: payment.reference,
          receivedAt: payment.receivedAt,
          recordedAt: payment.recordedAt,
          recordedBy: payment.recordedBy,
          outstandingAfterMinor: payment.outstandingAfterMinor,
        },
      ),
    ]);
  }
}

/** What makes two requests "the same": everything the caller sent except who sent it. */
function fingerprintOf(c: RecordOfflinePaymentCommand): string {
  const canonical = JSON.stringify([c.invoiceId, c.amountMinor, c.currency, c.method, c.reference, c.receivedAt]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function replay(earlier: StoredOfflinePayment, fingerprint: string): RecordOfflinePaymentResult {
  if (earlier.requestFingerprint !== fingerprint) {
    return {
      ok: false,
      code: 'idempotency_key_reused',
      message: 'this Idempotency-Key was already used for another request; use a new key for a new payment',
    };
  }
  const { idempotencyKey: _key, requestFingerprint: _fingerprint, ...answer } = earlier;
  return { ok: true, replayed: true, payment: answer };
}
