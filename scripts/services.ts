/** The five services, for workspace scripts (migrations, topics, the local stack). */
import { loadCollectionsConfig } from '../apps/collections/src/config';
import { collectionsEntities, collectionsMigrations } from '../apps/collections/src/database';
import { loadInvoicingConfig } from '../apps/invoicing/src/config';
import { invoicingEntities, invoicingMigrations } from '../apps/invoicing/src/database';
import { loadNotificationsConfig } from '../apps/notifications/src/config';
import { notificationsEntities, notificationsMigrations } from '../apps/notifications/src/database';
import { loadPaymentsConfig } from '../apps/payments/src/config';
import { paymentsEntities, paymentsMigrations } from '../apps/payments/src/database';
import { loadReportingConfig } from '../apps/reporting/src/config';
import { reportingEntities, reportingMigrations } from '../apps/reporting/src/database';
import { BaseConfig, RuntimeOptions } from '@billing/messaging';

export interface ServiceEntry {
  name: string;
  port: number;
  loadConfig(env: Record<string, string | undefined>): BaseConfig;
  entities: RuntimeOptions['entities'];
  migrations: RuntimeOptions['migrations'];
}

export const SERVICES: ServiceEntry[] = [
  { name: 'invoicing', port: 3001, loadConfig: loadInvoicingConfig, entities: invoicingEntities, migrations: invoicingMigrations },
  { name: 'payments', port: 3002, loadConfig: loadPaymentsConfig, entities: paymentsEntities, migrations: paymentsMigrations },
  { name: 'notifications', port: 3003, loadConfig: loadNotificationsConfig, entities: notificationsEntities, migrations: notificationsMigrations },
  { name: 'collections', port: 3004, loadConfig: loadCollectionsConfig, entities: collectionsEntities, migrations: collectionsMigrations },
  { name: 'reporting', port: 3005, loadConfig: loadReportingConfig, entities: reportingEntities, migrations: reportingMigrations },
];
