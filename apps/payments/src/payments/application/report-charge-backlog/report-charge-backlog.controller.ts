import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Roles } from '@billing/messaging';
import { ChargeBacklog, ReportChargeBacklog } from './report-charge-backlog';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/charges')
export class ReportChargeBacklogController {
  constructor(private readonly reportChargeBacklog: ReportChargeBacklog) {}

  /** Charges waiting for the provider's pace (the month close's progress shows it). */
  @Get('backlog')
  @Roles('finance', 'operator', 'service')
  @ApiOperation({
    summary: 'Charges waiting',
    description:
      'Roles: finance, operator, service. chargesWaiting = events on the charge-request topics the charge-invoices consumer group has not committed (the batch being charged included; an upper bound); invoicesAwaitingFirstOutcome; pendingAttempts; the shared provider pace (current rate and budget per second).',
  })
  @ApiOkResponse({ description: 'The backlog counts and the provider pace.' })
  @ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' })
  @ApiForbiddenResponse({ description: 'The token lacks the needed role.' })
  backlog(): Promise<ChargeBacklog> {
    return this.reportChargeBacklog.execute();
  }
}
