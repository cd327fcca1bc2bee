import { MigrationClass } from '@billing/messaging';
import { DunningTables1764300004000 } from './collections/infrastructure/migrations/1764300004000-dunning-tables.migration';
import { InvoiceCollections1764300012000 } from './collections/infrastructure/migrations/1764300012000-invoice-collections.migration';
import { InvoiceCredits1764300014000 } from './collections/infrastructure/migrations/1764300014000-invoice-credits.migration';
import { DunningCasesUnpaidIndex1764300021000 } from './collections/infrastructure/migrations/1764300021000-dunning-cases-unpaid-index.migration';

/**
 * The migrations of the collections database (the outbox and inbox tables come from
 * @billing/messaging). Collections reads and writes with bulk SQL through the transaction's
 * EntityManager, so it maps no TypeORM entities.
 */
export const collectionsMigrations: MigrationClass[] = [
  DunningTables1764300004000,
  InvoiceCollections1764300012000,
  InvoiceCredits1764300014000,
  DunningCasesUnpaidIndex1764300021000,
];
