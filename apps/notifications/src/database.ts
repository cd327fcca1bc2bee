import { MigrationClass } from '@billing/messaging';
import { SentEmails1764300000300 } from './notifications/infrastructure/migrations/1764300000300-sent-emails.migration';
import { SentEmailsRoomForOutcomes1764300031300 } from './notifications/infrastructure/migrations/1764300031300-sent-emails-room-for-outcomes.migration';

/**
 * The migrations of the notifications database (the outbox and inbox tables
 * come from @billing/messaging). The service talks SQL through its repository (bulk unnest / ON
 * CONFLICT statements in the consumer's transaction), so it maps no TypeORM entities.
 */
export const notificationsMigrations: MigrationClass[] = [
  SentEmails1764300000300,
  SentEmailsRoomForOutcomes1764300031300,
];
