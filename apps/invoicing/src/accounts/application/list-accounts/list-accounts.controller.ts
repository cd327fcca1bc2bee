import { Controller, Get, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { accountRepository } from '../../infrastructure/account.repository';

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The `nextCursor` of the previous page (keyset pagination by account id). */
    cursor: fields.uuid.optional(),
    status: z.enum(['active', 'closed']).optional(),
  })
  .strict();

/** accounts/list: keyset-paginated, `?limit=&cursor=`; memory and time per page do not grow with the table. */
@Controller('v1/accounts')
export class ListAccountsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Roles('operator', 'admin', 'finance', 'service')
  async list(@Query() query: unknown) {
    const { limit, cursor, status } = parseRequest(listQuery, query, 'query');
    const items = await accountRepository.page(this.dataSource.manager, { after: cursor ?? null, limit: limit + 1, status });
    const more = items.length > limit;
    const page = more ? items.slice(0, limit) : items;
    return { items: page, nextCursor: more ? page[page.length - 1].accountId : null };
  }
}
