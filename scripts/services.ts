/** The five services, for workspace scripts (migrations, topics, the local stack). */
import { loadCollectionsConfig } from '../apps/collections/src/config';
import { collectionsMigrations } from '../apps/collections/src/database';
import { loadInvoicingConfig } from '../apps/invoicing/src/config';
import { invoicingMigrations } from '../apps/invoicing/src/database';
import { loadNotificationsConfig } from '../apps/notifications/src/config';
import { notificationsMigrations } from '../apps/notifications/src/database';
import { loadPaymentsConfig } from '../apps/payments/src/config';
import { paymentsMigrations } from '../apps/payments/src/database';
import { loadReportingConfig } from '../apps/reporting/src/config';
import { reportingMigrations } from '../apps/reporting/src/database';
import { BaseConfig, RuntimeOptions } from '@billing/messaging';

export interface ServiceEntry {
  name: string;
  port: number;
  loadConfig(env: Record<string, string | undefined>): BaseConfig;
  migrations: RuntimeOptions['migrations'];
}

export const SERVICES: ServiceEntry[] = [
  { name: 'invoicing', port: 3001, loadConfig: loadInvoicingConfig, migrations: invoicingMigrations },
  { name: 'payments', port: 3002, loadConfig: loadPaymentsConfig, migrations: paymentsMigrations },
  { name: 'notifications', port: 3003, loadConfig: loadNotificationsConfig, migrations: notificationsMigrations },
  { name: 'collections', port: 3004, loadConfig: loadCollectionsConfig, migrations: collectionsMigrations },
  { name: 'reporting', port: 3005, loadConfig: loadReportingConfig, migrations: reportingMigrations },
];
