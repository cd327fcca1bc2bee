/** TypeORM entities and migrations of the payments database (the outbox and inbox come from @billing/messaging). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const paymentsEntities: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const paymentsMigrations: Function[] = [];
