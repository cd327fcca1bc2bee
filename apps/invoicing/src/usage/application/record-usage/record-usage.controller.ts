import { BadRequestException, Body, ConflictException, Controller, HttpCode, Post } from '@nestjs/common';
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
    occurredAt: fields.usageInstant,
  })
  .strict();

const uploadSchema = z.object({ records: z.array(usageRecordSchema).min(1).max(10_000) }).strict();

/**
 * POST /v1/usage: a batch is ALL OR NOTHING. 200 with how many records were new and how many
 * were duplicates (an id this account already sent with the same facts; a retried upload
 * answers the same and counts nothing twice). 400 naming `body.records.<i>.<field>` when a
 * record is malformed, out of bounds or names an unknown account or SKU; 409 naming the usage
 * id and the differing fields when an id this account already used (earlier, or earlier in the
 * same batch) comes with other facts. Nothing is written on a 4xx.
 */
@Controller('v1/usage')
export class RecordUsageController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recordUsage: RecordUsage,
  ) {}

  @Post()
  @HttpCode(200)
  @Roles('operator', 'admin', 'service')
  async upload(@Body() body: unknown) {
    const { records } = parseRequest(uploadSchema, body);
    const result = await this.dataSource.transaction((manager) => this.recordUsage.execute(manager, records));
    if (result.ok) return { accepted: result.accepted, duplicates: result.duplicates, late: result.late };
    if (result.code === 'usage_conflict') {
      const fields = result.conflicts.flatMap((c) => c.differing.map((fact) => `body.records.${c.index}.${fact}`));
      const first = result.conflicts[0];
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        code: result.code,
        message: `body.records.${first.index}: ${result.message}`,
        usageIds: [...new Set(result.conflicts.map((c) => c.usageId))],
        fields,
      });
    }
    const field = `body.records.${result.index}.${result.field}`;
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', code: result.code, message: `${field}: ${result.message}`, fields: [field] });
  }
}
