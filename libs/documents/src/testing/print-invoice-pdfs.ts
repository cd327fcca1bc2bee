/**
 * Test helper run in a child process (`node -r @swc-node/register`) under a chosen TZ and LANG:
 * renders the sample invoices of every market and prints their bytes (base64) as JSON with the
 * process's own default zone and locale, so a test can prove the bytes ignore both.
 */
import { renderInvoicePdf } from '../invoice-pdf';
import { SAMPLE_MARKETS, SAMPLE_SELLER } from './sample-invoice';

async function main(): Promise<void> {
  const pdfs: Record<string, string> = {};
  for (const [name, invoice] of SAMPLE_MARKETS) pdfs[name] = (await renderInvoicePdf(invoice, SAMPLE_SELLER)).toString('base64');
  const defaults = Intl.DateTimeFormat().resolvedOptions();
  process.stdout.write(JSON.stringify({ process: { timeZone: defaults.timeZone, locale: defaults.locale }, pdfs }));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
