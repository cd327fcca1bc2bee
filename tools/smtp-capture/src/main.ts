import pino from 'pino';
import { readConfig } from './config';
import { createSmtpCapture } from './smtp-capture';

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { service: 'smtp-capture' } });
  const capture = createSmtpCapture({ ...config, logger });
  await capture.start();
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    capture.stop().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  pino({ base: { service: 'smtp-capture' } }).fatal({ err }, 'smtp capture failed to start');
  process.exit(1);
});
