/** TypeORM entities and migrations of the invoicing database (the outbox and inbox come from @billing/messaging). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const invoicingEntities: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const invoicingMigrations: Function[] = [];
