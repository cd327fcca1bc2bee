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
import { InProcessStripeCalls, STRIPE_CALLS, StripeCalls } from './infrastructure/stripe-calls';
import { ThreadedStripeCalls } from './infrastructure/provider-thread/provider-thread';

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
        {
          provide: STRIPE_CALLS,
          // paced calls go out from a thread of their own, so that their slots do not wait for the consumer's
          useFactory: (stripe: Stripe) => (config.providerRequestsPerSecond > 0 ? new ThreadedStripeCalls(config) : new InProcessStripeCalls(stripe)),
          inject: [STRIPE],
        },
        { provide: PAYMENT_PROVIDER, useFactory: (calls: StripeCalls) => new StripePaymentProvider(calls), inject: [STRIPE_CALLS] },
        { provide: PROVIDER_CALL_OPTIONS, useValue: options },
        {
          provide: PROVIDER_PACE,
          useFactory: (dataSource: DataSource, calls: StripeCalls) =>
            config.providerRequestsPerSecond > 0
              ? new PostgresProviderPace(new PostgresPaceBucket(dataSource, 'stripe', paceSettings(config.providerRequestsPerSecond)), () =>
                  calls.releaseStats(),
                )
              : null,
          inject: [DataSource, STRIPE_CALLS],
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
