/** TypeORM entities and migrations of the reporting database (the outbox and inbox come from @billing/messaging). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const reportingEntities: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const reportingMigrations: Function[] = [];
