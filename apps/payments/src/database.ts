import { MigrationClass } from '@billing/messaging';
import { ManualCollection1764300000230 } from './payments/infrastructure/migrations/1764300000230-manual-collection.migration';
import { PaymentsSchema1764300000200 } from './payments/infrastructure/migrations/1764300000200-payments-schema.migration';
import { PaymentAccountsOfflinePayments1764300000240 } from './payments/infrastructure/migrations/1764300000240-payment-accounts-offline-payments.migration';
import { ProviderPace1764300000250 } from './payments/infrastructure/migrations/1764300000250-provider-pace.migration';
import { CreditNotesRefunds1764300000260 } from './payments/infrastructure/migrations/1764300000260-credit-notes-refunds.migration';
import { FirstOutcomeAt1764300021200 } from './payments/infrastructure/migrations/1764300021200-first-outcome-at.migration';

/**
 * The migrations of the payments database (the outbox and inbox tables come
 * from @billing/messaging). The service talks SQL through one store per table in infrastructure/
 * (bulk unnest / ON CONFLICT statements), so it maps no TypeORM entities.
 */
export const paymentsMigrations: MigrationClass[] = [
  PaymentsSchema1764300000200,
  ManualCollection1764300000230,
  PaymentAccountsOfflinePayments1764300000240,
  ProviderPace1764300000250,
  CreditNotesRefunds1764300000260,
  FirstOutcomeAt1764300021200,
];
