import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { ReadDocs } from '../../infrastructure/http/api-docs';
import { StoredCreditNote, creditNoteRepository } from '../../infrastructure/credit-note.repository';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { CREDIT_NOTE_DESCRIPTION } from '../issue-credit-note/credit-note-http';

const params = z.object({ invoiceId: fields.uuid });

/** invoices/credit-notes/list: a read, so the controller asks the repositories directly. */
@ApiTags('invoices')
@Controller('v1/invoices')
export class ListCreditNotesController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':invoiceId/credit-notes')
  @Roles('finance', 'operator')
  @ReadDocs({
    summary: "An invoice's credit notes, oldest first",
    roles: 'finance, operator',
    ok: `{ items }; each item: ${CREDIT_NOTE_DESCRIPTION}`,
    badRequest: 'The id is not a UUID.',
    notFound: 'No invoice has this id.',
  })
  @ApiParam({ name: 'invoiceId', description: 'Invoice id (UUID)' })
  async list(@Param() input: unknown): Promise<{ items: StoredCreditNote[] }> {
    const { invoiceId } = parseRequest(params, input, 'params');
    const manager = this.dataSource.manager;
    if (!(await invoiceRepository.findSnapshot(manager, invoiceId))) throw new NotFoundException(`invoice ${invoiceId} does not exist`);
    return { items: await creditNoteRepository.listForInvoice(manager, invoiceId) };
  }
}
