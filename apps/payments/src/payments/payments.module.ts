import { DynamicModule, Module } from '@nestjs/common';
import Stripe from 'stripe';
import { PAYMENTS_CONFIG, PaymentsConfig } from '../config';
import { ChargeInvoices } from './application/charge-invoices/charge-invoices';
import { PROVIDER_CALL_OPTIONS, ProviderCallOptions } from './application/plan-call-record';
import { ChargeInvoicesConsumer } from './application/charge-invoices/charge-invoices.consumer';
import { ListInvoiceCharges } from './application/list-invoice-charges/list-invoice-charges';
import { ListInvoiceChargesController } from './application/list-invoice-charges/list-invoice-charges.controller';
import { PAYMENT_PROVIDER } from './application/payment-provider';
import { ReportChargeBacklog } from './application/report-charge-backlog/report-charge-backlog';
import { ReportChargeBacklogController } from './application/report-charge-backlog/report-charge-backlog.controller';
import { RecordOfflinePayment } from './application/record-offline-payment/record-offline-payment';
import { RecordOfflinePaymentController } from './application/record-offline-payment/record-offline-payment.controller';
import { ReconcileStripeEvent } from './application/reconcile-stripe-webhook/reconcile-stripe-event';
import { StripeWebhookController } from './application/reconcile-stripe-webhook/stripe-webhook.controller';
import { SettleCreditNotes } from './application/settle-credit-notes/settle-credit-notes';
import { SettleCreditNotesConsumer } from './application/settle-credit-notes/settle-credit-notes.consumer';
import { PROVIDER_PACE } from './application/provider-pace';
import { pacedBatchSize, pacedProviderConcurrency, paceSettings } from './domain/provider-pace';
import { PostgresPaceBucket, PostgresProviderPace } from './infrastructure/postgres-provider-pace';
import { STRIPE, createStripeClient } from './infrastructure/stripe-client';
import { DataSource } from 'typeorm';
import { StripePaymentProvider } from './infrastructure/stripe-payment-provider';

/** Charges, charge attempts, credit-note settlements and refunds, the Stripe webhook, the charges API and offline payments. */
@Module({})
export class PaymentsModule {
  static forRoot(config: PaymentsConfig): DynamicModule {
    const options: ProviderCallOptions = {
      providerConcurrency:
        config.providerRequestsPerSecond > 0
          ? pacedProviderConcurrency(config.providerRequestsPerSecond, config.PAYMENTS_PROVIDER_CONCURRENCY)
          : config.PAYMENTS_PROVIDER_CONCURRENCY,
      batchSize: config.providerRequestsPerSecond > 0 ? pacedBatchSize(config.providerRequestsPerSecond, config.CONSUMER_BATCH_SIZE) : undefined,
      afterProviderCall: config.PAYMENTS_CRASH_AFTER_PROVIDER_CALL
        ? () => process.kill(process.pid, 'SIGKILL') // test-only crash hook, see config.ts
        : undefined,
    };
    return {
      module: PaymentsModule,
      controllers: [StripeWebhookController, ListInvoiceChargesController, RecordOfflinePaymentController, ReportChargeBacklogController],
      providers: [
        { provide: PAYMENTS_CONFIG, useValue: config },
        { provide: STRIPE, useFactory: () => createStripeClient(config) },
        { provide: PAYMENT_PROVIDER, useFactory: (stripe: Stripe) => new StripePaymentProvider(stripe), inject: [STRIPE] },
        { provide: PROVIDER_CALL_OPTIONS, useValue: options },
        {
          provide: PROVIDER_PACE,
          useFactory: (dataSource: DataSource) =>
            config.providerRequestsPerSecond > 0
              ? new PostgresProviderPace(new PostgresPaceBucket(dataSource, 'stripe', paceSettings(config.providerRequestsPerSecond)))
              : null,
          inject: [DataSource],
        },
        ChargeInvoices,
        ChargeInvoicesConsumer,
        SettleCreditNotes,
        SettleCreditNotesConsumer,
        ReconcileStripeEvent,
        ListInvoiceCharges,
        RecordOfflinePayment,
        ReportChargeBacklog,
      ],
    };
  }
}
