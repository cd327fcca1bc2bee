import { DynamicModule, Module } from '@nestjs/common';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../config';
import type { EmailTemplates } from './domain/templates';
import { ListSentEmailsController } from './application/list-sent-emails/list-sent-emails.controller';
import { SendEmails } from './application/send-emails/send-emails';
import { SendEmailsConsumer } from './application/send-emails/send-emails.consumer';
import { MailerShutdown, emailTemplatesProvider, mailerProvider } from './infrastructure/providers';
import { SentEmailsRepository } from './infrastructure/sent-emails.repository';
import { EMAIL_TEMPLATES } from './tokens';

/** Sends the invoice, payment-failed, account-on-hold and hold-released emails; serves the sent-email log. */
@Module({})
export class NotificationsModule {
  /**
   * `templates`: already loaded (main.ts loads them before connecting to anything, so a broken
   * template fails start-up at once); when absent they are loaded while the module is created.
   */
  static forRoot(config: NotificationsConfig, templates?: EmailTemplates): DynamicModule {
    return {
      module: NotificationsModule,
      controllers: [ListSentEmailsController],
      providers: [
        { provide: NOTIFICATIONS_CONFIG, useValue: config },
        { provide: SentEmailsRepository, useValue: new SentEmailsRepository() },
        templates ? { provide: EMAIL_TEMPLATES, useValue: templates } : emailTemplatesProvider,
        mailerProvider,
        MailerShutdown,
        SendEmails,
        SendEmailsConsumer,
      ],
    };
  }
}
