import { Controller, Get, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { SentEmailsRepository, type SentEmailRecord } from '../../infrastructure/sent-emails.repository';

const listSentEmailsQuery = z.object({
  /** The invoice id or hold id; an invoice id also matches its payment-failed emails (`invoiceId:attempt`). */
  subjectId: z.string().trim().min(1).max(200).optional(),
  invoiceId: z.string().uuid({ message: 'must be a UUID' }).optional(),
  accountId: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Use case: read the sent-email log (what was sent or refused, to whom, when, with which Message-ID). */
@Controller('v1/emails')
export class ListSentEmailsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: SentEmailsRepository,
  ) {}

  @Get()
  @Roles('finance', 'admin', 'service')
  async list(@Query() query: unknown): Promise<{ emails: SentEmailRecord[] }> {
    const filter = parseRequest(listSentEmailsQuery, query, 'query');
    return { emails: await this.repository.list(this.dataSource.manager, filter) };
  }
}
