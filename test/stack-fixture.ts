/**
 * A private copy of the whole local stack for one test file: its own ports, databases (unique
 * suffix), topic prefix and state folder, on the shared Kafka broker (or one of its own).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, freePorts, uniqueName } from '@billing/testing';
import { INSTANCE_PORT_STEP, SERVICE_NAMES, ServiceName, Stack, StackOptions } from '../scripts/stack/stack';

/** Where each service's first instance listens, from the stack's first port. */
const SERVICE_PORT_OFFSETS: Record<ServiceName, number> = { invoicing: 0, payments: 1, notifications: 2, collections: 3, reporting: 4 };
import { resetStackData } from '../scripts/scenario/reset';

/** The services' environment of a private stack unless the caller passes its own `env`: fast dunning, no schedule. */
export const PRIVATE_STACK_ENV: Record<string, string> = {
  DUNNING_RETRY_OFFSETS: '1s,2s,3s',
  DUNNING_HOLD_GRACE: '1s',
  SCHEDULER_POLL_MS: '200',
  MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
  MONTH_CLOSE_POLL_MS: '200',
  CONSUMER_CONCURRENCY: '4',
};

export async function privateStack(label: string, overrides: Partial<StackOptions> = {}): Promise<Stack> {
  // further instances of a service listen INSTANCE_PORT_STEP apart: those ports are reserved too
  const more = Object.entries(overrides.instances ?? {}).flatMap(([service, count]) =>
    Array.from({ length: (count ?? 1) - 1 }, (_, i) => SERVICE_PORT_OFFSETS[service as ServiceName] + INSTANCE_PORT_STEP * (i + 1)),
  );
  const base = await freePorts(8, { alsoAt: more });
  const name = uniqueName(label);
  return new Stack({
    stateDir: mkdtempSync(path.join(os.tmpdir(), `${label}-`)),
    ports: {
      ...(Object.fromEntries(SERVICE_NAMES.map((service) => [service, base + SERVICE_PORT_OFFSETS[service]])) as Record<ServiceName, number>),
      stripe: base + 5,
      smtp: base + 6,
      smtpHttp: base + 7,
    },
    topicPrefix: `${name}.`,
    databaseSuffix: `_${name}`,
    databaseUrl: DATABASE_SERVER_URL,
    kafkaBrokers: KAFKA_BROKERS.join(','),
    partitions: 4,
    env: { ...PRIVATE_STACK_ENV },
    logLevel: 'warn',
    ...overrides,
  });
}

export async function destroyStack(stack: Stack): Promise<void> {
  await stack.down();
  await resetStackData(stack).catch(() => undefined);
}
