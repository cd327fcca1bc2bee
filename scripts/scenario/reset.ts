/**
 * Stops the stack's processes, then, with PostgreSQL and the broker up (a reset against a
 * stopped broker would leave the old topics and consumer offsets behind), drops its databases,
 * topics and consumer groups, and brings the stack up: a demo or benchmark from nothing.
 */
export async function freshStack(stack: Stack): Promise<void> {
  await stack.down();
  stack.startInfrastructure();
  await resetStackData(stack);
  await stack.up();
}

/** Drops a stack's databases and topics, so a demo or benchmark starts from nothing. */
import { Kafka, logLevel } from 'kafkajs';
import { dropDatabase } from '@billing/messaging';
import { SERVICE_NAMES, Stack } from '../stack/stack';

export async function resetStackData(stack: Stack): Promise<void> {
  for (const service of SERVICE_NAMES) await dropDatabase(stack.options.databaseUrl, stack.databaseName(service));
  const kafka = new Kafka({ clientId: 'reset', brokers: stack.options.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const prefix = stack.options.topicPrefix;
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}billing.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    // consumer groups of the previous run would otherwise resume at old offsets
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => prefix === '' ? /^(invoicing|payments|notifications|collections|reporting)\./.test(g) : g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
