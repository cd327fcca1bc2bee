import { ServiceRuntime } from '@billing/messaging';
import {
  PartitionOffset,
  ledgerEndOffsets,
  projectorGroupId,
  readProjectionState,
  replayProgress,
  startNextGeneration,
} from '../../infrastructure/projection-state';

export interface RebuildStarted {
  generation: number;
  groupId: string;
  /** Messages the new group has to read to reach the ledger's end as of the rebuild. */
  behind: number;
}

/**
 * Drops the projection and starts the next generation: records the ledger's end offsets (the
 * point the replay must reach), then in one transaction bumps the generation, truncates the
 * finance tables and deletes the projector's inbox rows. The projector of the new generation
 * (a fresh consumer group) reads every ledger topic from the beginning.
 */
export async function rebuildProjection(runtime: ServiceRuntime, now: Date): Promise<RebuildStarted> {
  const target: PartitionOffset[] = await ledgerEndOffsets(runtime.admin, runtime.config.TOPIC_PREFIX);
  const generation = await startNextGeneration(runtime.dataSource, now, target);
  const groupId = projectorGroupId(runtime.config.TOPIC_PREFIX, generation);
  const behind = target.reduce((sum, t) => sum + Number(BigInt(t.high) - BigInt(t.low)), 0);
  runtime.logger.info({ generation, groupId, behind }, 'projection rebuild started');
  return { generation, groupId, behind };
}

export interface ProjectionStatus {
  generation: number;
  groupId: string;
  /** live: the generation's group has read the ledger up to where it ended when the rebuild began. */
  state: 'live' | 'replaying';
  behind: number;
  rebuiltAt: string | null;
}

export async function projectionStatus(runtime: ServiceRuntime): Promise<ProjectionStatus> {
  const state = await readProjectionState(runtime.dataSource);
  const groupId = projectorGroupId(runtime.config.TOPIC_PREFIX, state.generation);
  const progress = await replayProgress(runtime.admin, groupId, state.replayTarget);
  return {
    generation: state.generation,
    groupId,
    state: progress.caughtUp ? 'live' : 'replaying',
    behind: progress.behind,
    rebuiltAt: state.rebuiltAt,
  };
}
