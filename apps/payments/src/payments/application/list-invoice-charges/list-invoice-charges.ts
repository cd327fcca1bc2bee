import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { listAttempts } from '../../infrastructure/charge-attempt-store';
import { outstandingMinor } from '../../domain/invoice-snapshot';
import { findInvoices } from '../../infrastructure/invoice-snapshot-store';

export interface InvoiceCharges {
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  currency: string;
  totalMinor: number;
  collectedMinor: number;
  /** Taken off the outstanding amount by credit notes. */
  creditedMinor: number;
  outstandingMinor: number;
  attempts: {
    attempt: number;
    status: string;
    idempotencyKey: string;
    amountMinor: number;
    currency: string;
    providerAmount: number | null;
    providerCurrency: string | null;
    /** The payment method the attempt charged (the account's at the time of the attempt). */
    paymentMethodId: string | null;
    providerPaymentIntentId: string | null;
    providerChargeId: string | null;
    errorCode: string | null;
    declineCode: string | null;
    retryable: boolean | null;
    skipReason: string | null;
    resolvedBy: string | null;
    requestedAt: string;
    resolvedAt: string | null;
  }[];
}

/** The charge attempts of one invoice, oldest first; undefined for an invoice payments never received. */
@Injectable()
export class ListInvoiceCharges {
  constructor(private readonly dataSource: DataSource) {}

  async execute(invoiceId: string): Promise<InvoiceCharges | undefined> {
    const manager = this.dataSource.manager;
    const invoice = (await findInvoices(manager, [invoiceId])).get(invoiceId);
    if (invoice === undefined) return undefined;
    const attempts = await listAttempts(manager, invoiceId);
    return {
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      accountId: invoice.accountId,
      currency: invoice.currency,
      totalMinor: invoice.totalMinor,
      collectedMinor: invoice.collectedMinor,
      creditedMinor: invoice.creditedMinor,
      outstandingMinor: outstandingMinor(invoice),
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        status: a.status,
        idempotencyKey: a.idempotencyKey,
        amountMinor: a.amountMinor,
        currency: a.currency,
        providerAmount: a.providerAmount,
        providerCurrency: a.providerCurrency,
        paymentMethodId: a.paymentMethodId,
        providerPaymentIntentId: a.providerPaymentIntentId,
        providerChargeId: a.providerChargeId,
        errorCode: a.errorCode,
        declineCode: a.declineCode,
        retryable: a.retryable,
        skipReason: a.skipReason,
        resolvedBy: a.resolvedBy,
        requestedAt: a.requestedAt,
        resolvedAt: a.resolvedAt,
      })),
    };
  }
}
