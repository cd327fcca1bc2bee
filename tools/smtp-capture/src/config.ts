import { z } from 'zod';

/** The capture's one config object, read from the environment once at start-up. */
export interface SmtpCaptureConfig {
  smtpPort: number;
  httpPort: number;
  host: string;
  /** Addresses or domains refused with 550 from the start. */
  rejectRecipients: string[];
  logLevel: string;
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const envSchema = z.object({
  SMTP_CAPTURE_PORT: port(1025),
  SMTP_CAPTURE_HTTP_PORT: port(8025),
  SMTP_CAPTURE_HOST: z.string().min(1).default('127.0.0.1'),
  // Comma-separated addresses or domains; `.invalid` is reserved (RFC 2606), so bouncing it is safe by default.
  SMTP_CAPTURE_REJECT: z.string().default('bounce.invalid'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export function readConfig(env: NodeJS.ProcessEnv): SmtpCaptureConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid smtp-capture configuration: ${details}`);
  }
  const e = parsed.data;
  return {
    smtpPort: e.SMTP_CAPTURE_PORT,
    httpPort: e.SMTP_CAPTURE_HTTP_PORT,
    host: e.SMTP_CAPTURE_HOST,
    rejectRecipients: e.SMTP_CAPTURE_REJECT.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: e.LOG_LEVEL,
  };
}
