import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { listActiveHolds } from '../../infrastructure/account-hold.queries';
import { invoiceSummaries } from '../../infrastructure/dunning-case.repository';

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});

/** Current holds, ordered by account, keyset-paginated (`?limit=&cursor=`). */
@ApiTags('holds')
@ApiBearerAuth()
@Controller('v1/holds')
export class ListHoldsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Current holds with their invoices, by account, in keyset pages (`?limit=&cursor=`)' })
  @Roles('finance', 'admin', 'operator', 'service')
  async list(@Query() query: unknown) {
    const page = parseRequest(pageQuery, query ?? {}, 'query');
    const holds = await listActiveHolds(this.dataSource.manager, { limit: page.limit + 1, after: page.cursor ?? null });
    const items = holds.slice(0, page.limit);
    const invoices = await invoiceSummaries(
      this.dataSource.manager,
      items.flatMap((h) => h.invoiceIds),
    );
    return {
      items: items.map((h) => ({
        accountId: h.accountId,
        holdId: h.holdId,
        reason: h.reason,
        placedAt: h.placedAt,
        invoices: h.invoiceIds.map((id) => invoices.get(id) ?? { invoiceId: id }),
      })),
      nextCursor: holds.length > page.limit ? items[items.length - 1].accountId : null,
    };
  }
}
