/**
 * Rebuilds the finance projection:
 *
 *   node -r @swc-node/register apps/reporting/src/cli/rebuild.ts [--no-replay]
 *
 * Empties the finance tables (and the projector's inbox rows), starts the next projection
 * generation (a fresh consumer group) and replays every ledger topic from the beginning until
 * the group reaches the ledger's end as of the start, then exits. Running reporting instances
 * notice the new generation (PROJECTION_GENERATION_POLL_MS) and join the same group, so the
 * replay is shared and continues live after this command exits. With --no-replay the command
 * only starts the generation and leaves the replay to the running instances.
 * Configuration comes from the same environment variables as the service.
 */
import 'reflect-metadata';
import { ServiceRuntime } from '@billing/messaging';
import { loadReportingConfig } from '../config';
import { reportingMigrations } from '../database';
import { createProjector } from '../finance/application/project-events/projector-supervisor';
import { projectionStatus, rebuildProjection } from '../finance/application/rebuild-projection/rebuild-projection';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const replay = !process.argv.slice(2).includes('--no-replay');
  const config = loadReportingConfig(process.env);
  const runtime = new ServiceRuntime({ config, migrations: reportingMigrations, relay: false });
  await runtime.open();
  try {
    const started = await rebuildProjection(runtime, runtime.clock.now());
    console.log(JSON.stringify({ event: 'rebuild-started', ...started }));
    if (!replay) return 0;
    const projector = createProjector(runtime, started.generation);
    await projector.start();
    try {
      const deadline = Date.now() + config.REBUILD_TIMEOUT_MS;
      for (;;) {
        const status = await projectionStatus(runtime);
        if (status.generation !== started.generation) {
          console.log(JSON.stringify({ event: 'rebuild-superseded', generation: status.generation }));
          return 1;
        }
        if (status.state === 'live') {
          console.log(JSON.stringify({ event: 'rebuild-completed', generation: status.generation, groupId: status.groupId }));
          return 0;
        }
        if (Date.now() > deadline) {
          console.error(JSON.stringify({ event: 'rebuild-timed-out', behind: status.behind }));
          return 1;
        }
        await sleep(250);
      }
    } finally {
      await projector.stop();
    }
  } finally {
    await runtime.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
