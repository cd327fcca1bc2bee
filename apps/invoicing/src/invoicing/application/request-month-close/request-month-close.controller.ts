import { Body, Controller, HttpException, Post, Res } from '@nestjs/common';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest, toHttpError } from '@billing/messaging';
import { RequestMonthClose } from './request-month-close';

const requestSchema = z
  .object({
    period: fields.period,
    requestedBy: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

@Controller('v1/month-closes')
export class RequestMonthCloseController {
  constructor(private readonly requestMonthClose: RequestMonthClose) {}

  /** 202 with the new runId; 200 with the existing runId when the period was already requested. */
  @Post()
  @Roles('operator', 'admin', 'service')
  async request(@Body() body: unknown, @Res({ passthrough: true }) response: { status(code: number): unknown }) {
    const { period, requestedBy } = parseRequest(requestSchema, body);
    const result = await this.requestMonthClose.execute(period, requestedBy ?? 'api');
    if (!result.ok) {
      if (result.code === 'period_not_ended') {
        throw new HttpException({ statusCode: 422, error: 'Unprocessable Entity', code: result.code, message: result.message }, 422);
      }
      throw toHttpError(result);
    }
    response.status(result.created ? 202 : 200);
    return { runId: result.runId, period: result.period, requestedAt: result.requestedAt, requestedBy: result.requestedBy, joined: !result.created };
  }
}
