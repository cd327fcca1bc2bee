import { MigrationClass } from '@billing/messaging';
import { InvoicingSchema1764300000100 } from './invoicing/infrastructure/migrations/1764300000100-invoicing-schema.migration';
import { UsageIdPerAccount1764300000130 } from './invoicing/infrastructure/migrations/1764300000130-usage-id-per-account.migration';
import { MonthCloseFailureIsolation1764300013200 } from './invoicing/infrastructure/migrations/1764300013200-month-close-failure-isolation.migration';
import { CarriedBalancesAndCollected1764300012100 } from './invoicing/infrastructure/migrations/1764300012100-carried-balances-and-collected.migration';
import { CreditNotes1764300019100 } from './invoicing/infrastructure/migrations/1764300019100-credit-notes.migration';
import { InvoicesRoomForUpdates1764300025100 } from './invoicing/infrastructure/migrations/1764300025100-invoices-room-for-updates.migration';

/**
 * The migrations of the invoicing database (the outbox and inbox tables come from
 * @billing/messaging). The service talks SQL through repositories (bulk unnest/ON CONFLICT
 * statements), so it maps no TypeORM entities.
 */
export const invoicingMigrations: MigrationClass[] = [
  InvoicingSchema1764300000100,
  UsageIdPerAccount1764300000130,
  MonthCloseFailureIsolation1764300013200,
  CarriedBalancesAndCollected1764300012100,
  CreditNotes1764300019100,
  InvoicesRoomForUpdates1764300025100,
];
