import { PaymentsSchema1764300000200 } from './infrastructure/migrations/1764300000200-payments-schema';

/**
 * TypeORM entities and migrations of the payments database (the outbox and inbox come from
 * @billing/messaging). The service talks SQL through its charge store (bulk unnest /
 * ON CONFLICT statements), so it maps no entities.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const paymentsEntities: Function[] = [];
export const paymentsMigrations = [PaymentsSchema1764300000200];
