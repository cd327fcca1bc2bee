import { Controller, Get, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest, toUtcIso } from '@billing/messaging';

const listQuery = z
  .object({
    period: fields.period.optional(),
    late: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

/** usage/list: what finance sees of an account's usage, including late records and the invoice that billed them. */
@Controller('v1/accounts/:id/usage')
export class ListUsageController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Roles('operator', 'admin', 'finance', 'service')
  async list(@Param() params: unknown, @Query() query: unknown) {
    const { id } = parseRequest(z.object({ id: fields.uuid }), params, 'path');
    const { period, late, limit, cursor } = parseRequest(listQuery, query, 'query');
    const rows: {
      usage_id: string;
      sku: string;
      resource_id: string;
      quantity: string;
      occurred_at: Date;
      usage_period: string;
      received_at: Date;
      late: boolean;
      billed_invoice_id: string | null;
    }[] = await this.dataSource.query(
      `SELECT usage_id, sku, resource_id, quantity::text AS quantity, occurred_at, usage_period, received_at, late, billed_invoice_id
       FROM usage_records
       WHERE account_id = $1 AND ($2::text IS NULL OR usage_period = $2) AND ($3::boolean IS NULL OR late = $3)
         AND ($4::text IS NULL OR usage_id > $4)
       ORDER BY usage_id LIMIT $5`,
      [id, period ?? null, late === undefined ? null : late === 'true', cursor ?? null, limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      items: page.map((r) => ({
        usageId: r.usage_id,
        sku: r.sku,
        resourceId: r.resource_id,
        quantity: r.quantity,
        occurredAt: toUtcIso(r.occurred_at),
        usagePeriod: r.usage_period,
        receivedAt: toUtcIso(r.received_at),
        late: r.late,
        billedInvoiceId: r.billed_invoice_id,
      })),
      nextCursor: more ? page[page.length - 1].usage_id : null,
    };
  }
}
