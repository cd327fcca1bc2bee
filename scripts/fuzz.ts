/**
 * `npm run fuzz -- --runs N --seed S`: the fuzz properties of test/fuzz on a private copy of
 * the local stack (its own ports, databases and topic prefix on the local broker, removed
 * afterwards), longer than the seeded run in `npm test`. Prints the seed of a failure so that
 * `--seed` replays it.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts, uniqueName } from '@billing/testing';
import { Stack, defaultStackOptions } from './stack/stack';
import { cliArg } from './scenario/client';
import { resetStackData } from './scenario/reset';
import { FUZZ_STACK_ENV, runFuzz } from '../test/fuzz/run-fuzz';

function intArg(name: string, fallback: number): number {
  const raw = cliArg(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

async function main(): Promise<void> {
  const runs = intArg('runs', 200);
  const seed = intArg('seed', Date.now() % 2_147_483_647);
  const messages = intArg('messages', Math.max(10, Math.round(runs / 10)));
  const defaults = defaultStackOptions(process.env);
  const base = await freePorts(8);
  const name = uniqueName('fuzz');
  const stack = new Stack({
    ...defaults,
    stateDir: mkdtempSync(path.join(os.tmpdir(), 'fuzz-')),
    ports: { invoicing: base, payments: base + 1, notifications: base + 2, collections: base + 3, reporting: base + 4, stripe: base + 5, smtp: base + 6, smtpHttp: base + 7 },
    topicPrefix: `${name}.`,
    databaseSuffix: `_${name}`,
    partitions: 4,
    env: { ...defaults.env, ...FUZZ_STACK_ENV },
    logLevel: 'warn',
  });
  console.log(`fuzz: seed ${seed}, ${runs} runs, ${messages} bad messages; private stack on ports ${base}-${base + 7}, logs in ${stack.options.stateDir}`);
  const started = Date.now();
  let failed = false;
  try {
    await stack.up({ startKafka: true });
    const report = await runFuzz(stack, { runs, seed, messages, log: (line) => console.log(line) });
    console.log(`fuzz: passed in ${((Date.now() - started) / 1000).toFixed(1)}s: ${JSON.stringify(report)}`);
  } catch (error) {
    failed = true;
    console.error(`fuzz: FAILED with seed ${seed} (replay: npm run fuzz -- --runs ${runs} --seed ${seed})`);
    console.error(error instanceof Error ? error.message : error);
    const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
    if (cause) console.error(`cause: ${cause.message ?? cause}`);
  } finally {
    await stack.down();
    if (!failed) await resetStackData(stack).catch(() => undefined);
  }
  process.exit(failed ? 1 : 0);
}

void main();
