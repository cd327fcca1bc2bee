/** TypeORM entities and migrations of the collections database (the outbox and inbox come from @billing/messaging). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const collectionsEntities: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const collectionsMigrations: Function[] = [];
