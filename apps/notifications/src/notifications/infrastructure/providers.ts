import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { LOGGER, type Logger, ServiceRuntime } from '@billing/messaging';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig, emailLinksOf } from '../../config';
import { loadTemplates } from './load-templates';
import { EMAIL_TEMPLATES } from '../tokens';
import { MAILER, type Mailer } from '../application/mailer';
import { SmtpMailer } from './smtp-mailer';

/**
 * The templates, read, compiled and rendered against every sample event ONCE, while the module
 * is created: a broken template (a variable the data lacks, a missing file) rejects the factory,
 * so the service fails to start instead of failing a customer's email later.
 */
export const emailTemplatesProvider: Provider = {
  provide: EMAIL_TEMPLATES,
  useFactory: async (config: NotificationsConfig, logger: Logger) => {
    const templates = await loadTemplates(config.TEMPLATES_DIR, emailLinksOf(config));
    logger.info({ dir: templates.dir, templates: templates.names }, 'email templates loaded');
    return templates;
  },
  inject: [NOTIFICATIONS_CONFIG, LOGGER],
};

export const mailerProvider: Provider = {
  provide: MAILER,
  useFactory: (config: NotificationsConfig, logger: Logger): Mailer => new SmtpMailer(config, logger),
  inject: [NOTIFICATIONS_CONFIG, LOGGER],
};

/**
 * Closes the SMTP pool on shutdown — after the consumers have finished their in-flight batch.
 * Nest runs this module's shutdown hooks before the (global) core module's, so it first asks the
 * runtime to stop consuming; `ServiceRuntime.close()` is idempotent, the core module's later call
 * finds nothing left to stop.
 */
@Injectable()
export class MailerShutdown implements OnApplicationShutdown {
  constructor(
    private readonly runtime: ServiceRuntime,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
    await this.mailer.close();
  }
}
