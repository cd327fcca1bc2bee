import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { RecordUsage } from './record-usage';

export const usageRecordSchema = z
  .object({
    usageId: z.string().min(1).max(200),
    accountId: fields.uuid,
    sku: z.string().min(1).max(100),
    resourceId: z.string().min(1).max(200),
    /** 0 to 10^12, at most 9 decimals: the same bound as UsageRecorded (fields.LIMITS). */
    quantity: fields.usageQuantity,
    occurredAt: fields.utcInstant,
  })
  .strict();

const uploadSchema = z.object({ records: z.array(usageRecordSchema).min(1).max(10_000) }).strict();

@Controller('v1/usage')
export class RecordUsageController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recordUsage: RecordUsage,
  ) {}

  /** 200 with how many records were new; a retried upload answers the same and counts nothing twice. */
  @Post()
  @HttpCode(200)
  @Roles('operator', 'admin', 'service')
  async upload(@Body() body: unknown) {
    const { records } = parseRequest(uploadSchema, body);
    const result = await this.dataSource.transaction((manager) => this.recordUsage.execute(manager, records));
    if (!result.ok) {
      const field = `body.records.${result.index}.${result.field}`;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', code: result.code, message: `${field}: ${result.message}`, fields: [field] });
    }
    return { accepted: result.accepted, duplicates: result.duplicates, late: result.late };
  }
}
