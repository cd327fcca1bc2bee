/**
 * Writes the sample invoice of one market as a PDF, for a look or for the README picture:
 *   node -r @swc-node/register scripts/invoice-sample-pdf.ts --market KWD/ar-KW --out /tmp/invoice.pdf
 *   pdftoppm -png -r 60 -singlefile /tmp/invoice.pdf docs/invoice-ar-KW
 * Markets: USD/en-US, JPY/ja-JP, HUF/hu-HU, KWD/ar-KW (libs/documents/src/testing/sample-invoice.ts).
 */
import { writeFileSync } from 'node:fs';
import { renderInvoicePdf } from '@billing/documents';
import { SAMPLE_MARKETS, SAMPLE_SELLER } from '../libs/documents/src/testing/sample-invoice';
import { cliArg } from './scenario/client';

async function main() {
  const market = cliArg('market') ?? 'KWD/ar-KW';
  const out = cliArg('out') ?? '/tmp/invoice.pdf';
  const found = SAMPLE_MARKETS.find(([name]) => name === market);
  if (!found) throw new Error(`--market must be one of ${SAMPLE_MARKETS.map(([name]) => name).join(', ')}`);
  writeFileSync(out, await renderInvoicePdf(found[1], SAMPLE_SELLER));
  console.log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
