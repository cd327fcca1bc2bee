import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CLOCK, Clock, Roles, ServiceRuntime } from '@billing/messaging';
import { ProjectorSupervisor } from '../project-events/projector-supervisor';
import { ProjectionStatus, RebuildStarted, projectionStatus, rebuildProjection } from './rebuild-projection';

@ApiTags('admin')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' })
@ApiForbiddenResponse({ description: 'The token lacks the needed role.' })
@Controller('v1/admin')
export class RebuildProjectionController {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly supervisor: ProjectorSupervisor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('rebuild')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Rebuild the finance projection from the ledger topics',
    description:
      'Truncates the finance tables, then replays every ledger topic from the beginning under a fresh consumer group. ' +
      'Reports are partial until GET /v1/admin/projection says live; the rebuilt reports equal the ones before.',
  })
  @ApiAcceptedResponse({ description: 'The rebuild started: the new generation and its consumer group.' })
  rebuild(): Promise<RebuildStarted> {
    let started: RebuildStarted | undefined;
    return this.supervisor
      .rebuild(async () => {
        started = await rebuildProjection(this.runtime, this.clock.now());
        return started.generation;
      })
      .then(() => started!);
  }

  @Get('projection')
  @Roles('finance', 'operator', 'admin')
  @ApiOperation({ summary: 'Which generation feeds the reports, and whether its replay has caught up' })
  @ApiOkResponse({ description: 'generation, groupId, state (live | replaying), behind, rebuiltAt' })
  status(): Promise<ProjectionStatus> {
    return projectionStatus(this.runtime);
  }
}
