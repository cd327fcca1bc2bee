import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { ReadDocs } from '../../infrastructure/http/api-docs';
import { accountRepository } from '../../../accounts';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { INVOICE_VIEW_DESCRIPTION, InvoiceView, invoiceView } from '../invoice-view';

const params = z.object({ accountId: fields.uuid });
const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** The `nextCursor` of the previous page: the period of its last (oldest) invoice. */
    cursor: fields.period.optional(),
    period: fields.period.optional(),
  })
  .strict();

/** invoices/list of one account: newest period first, keyset-paginated by period. */
@ApiTags('invoices')
@Controller('v1/accounts')
export class ListAccountInvoicesController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':accountId/invoices')
  @Roles('finance', 'operator')
  @ReadDocs({
    summary: "An account's invoices, newest first (one per billing period); follow `nextCursor` until it is null",
    roles: 'finance, operator',
    ok: `{ items, nextCursor }; each item: ${INVOICE_VIEW_DESCRIPTION}`,
    badRequest: 'The id, limit, cursor or period is malformed; the message names it.',
    notFound: 'No account has this id.',
  })
  @ApiParam({ name: 'accountId', description: 'Account id (UUID)' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Page size, 1..100 (default 20).' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The `nextCursor` of the previous page.' })
  @ApiQuery({ name: 'period', required: false, type: String, description: 'Only the invoice of this billing period (YYYY-MM).' })
  async list(@Param() input: unknown, @Query() query: unknown): Promise<{ items: InvoiceView[]; nextCursor: string | null }> {
    const { accountId } = parseRequest(params, input, 'params');
    const { limit, cursor, period } = parseRequest(listQuery, query, 'query');
    const manager = this.dataSource.manager;
    if (!(await accountRepository.findById(manager, accountId))) throw new NotFoundException(`account ${accountId} does not exist`);
    const rows = await invoiceRepository.pageOfAccount(manager, { accountId, before: cursor ?? null, period: period ?? null, limit: limit + 1 });
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map(invoiceView), nextCursor: more ? page[page.length - 1].period : null };
  }
}
