import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { REPORTING_CONFIG, ReportingConfig } from '../../../config';
import { PaginationDocs, ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, encodeCursor, pageQuery, respond } from '../../infrastructure/http/report-response';
import { getAccountLedger, ledgerTable } from './get-account-ledger.query';

const params = z.object({ id: z.string().min(1).max(200) });
const cursorSchema = z.object({ offset: z.number().int().min(0) });

@ApiTags('reports')
@Controller('v1/reports')
export class GetAccountLedgerController {
  private readonly page;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REPORTING_CONFIG) config: ReportingConfig,
  ) {
    this.page = pageQuery(config, cursorSchema);
  }

  @Get('accounts/:id/ledger')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    "One account's ledger",
    'Every invoice (with its collection and carried-forward amount), charge attempt (succeeded, failed, skipped; with ' +
      'the payment method used), offline payment (method, reference, recordedBy, outstandingAfterMinor), retry request, ' +
      'payment method change, hold placed or released, email, ' +
      'credit note or void (CreditNoteIssued), its settlement (CreditNoteSettled) and refund (RefundSucceeded, RefundFailed) ' +
      'sent or failed of the account, in order (occurredAt, then stage, then partition order). Paginated with limit/cursor.',
  )
  @ApiParam({ name: 'id', description: 'Account id' })
  @PaginationDocs()
  async ledger(
    @Param() rawParams: unknown,
    @Query() rawQuery: unknown,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: HttpResponse,
  ) {
    const { id } = parseRequest(params, rawParams, 'params');
    const { format, limit, position } = this.page(rawQuery);
    const page = await getAccountLedger(this.dataSource, id, limit, position?.offset ?? 0, encodeCursor);
    return respond(request, response, format, page, ledgerTable, `ledger-${id}`);
  }
}
