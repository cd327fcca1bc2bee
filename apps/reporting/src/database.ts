import { MigrationClass } from '@billing/messaging';
import { FinanceProjection1764300000500 } from './finance/infrastructure/migrations/1764300000500-finance-projection.migration';
import { CollectedByMethod1764300012500 } from './finance/infrastructure/migrations/1764300012500-collected-by-method.migration';
import { MonthCloseFailures1764300013500 } from './finance/infrastructure/migrations/1764300013500-month-close-failures.migration';
import { CorrectionsProjection1764300019500 } from './finance/infrastructure/migrations/1764300019500-corrections.migration';

/**
 * The migrations of the reporting database (the outbox and inbox tables come from
 * @billing/messaging). Reporting reads and writes with SQL only, so it maps no TypeORM entities.
 */
export const reportingMigrations: MigrationClass[] = [
  FinanceProjection1764300000500,
  CollectedByMethod1764300012500,
  MonthCloseFailures1764300013500,
  CorrectionsProjection1764300019500,
];
