/**
 * Test helper run in a child process (`node -r @swc-node/register`) under a chosen TZ and LANG:
 * renders every sample event plus foreign-currency variants and prints them as JSON, together with
 * the process's own default zone and locale, so a test can prove the output ignores both.
 */
import { join } from 'node:path';
import { renderEmail } from '../render-email';
import { loadTemplates } from '../../infrastructure/load-templates';
import { SAMPLE_EVENTS } from '../sample-events';
import { currencyVariants } from './currency-variants';

async function main(): Promise<void> {
  const templates = await loadTemplates(join(__dirname, '..', '..', '..', '..', 'templates'));
  const emails = [...SAMPLE_EVENTS, ...currencyVariants()].map((event) => renderEmail(templates, event));
  const defaults = Intl.DateTimeFormat().resolvedOptions();
  process.stdout.write(JSON.stringify({ process: { timeZone: defaults.timeZone, locale: defaults.locale }, emails }));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
