/** TypeORM entities and migrations of the notifications database (the outbox and inbox come from @billing/messaging). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const notificationsEntities: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const notificationsMigrations: Function[] = [];
