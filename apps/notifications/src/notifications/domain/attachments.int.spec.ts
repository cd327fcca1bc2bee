import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { renderInvoicePdf, sellerOf } from '@billing/documents';
import { loadNotificationsConfig } from '../../config';
import { attachmentsFor } from './attachments';
import { renderEmail } from './render-email';
import { sampleChargeFailed } from './sample-events';
import { loadTemplates } from '../infrastructure/load-templates';
import type { EmailTemplates } from './templates';
import { composeMime as compose } from './testing/compose-mime';
import { invoiceIn } from './testing/currency-variants';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates');
const seller = sellerOf(loadNotificationsConfig({}));


describe('invoice PDF attachment (INVOICE_EMAIL_ATTACH_PDF)', () => {
  let templates: EmailTemplates;

  beforeAll(async () => {
    templates = await loadTemplates(TEMPLATES_DIR);
  });

  it.each([
    ['JPY', 1500, 'ja-JP', 'Asia/Tokyo'],
    ['KWD', 7250, 'ar-KW', 'Asia/Kuwait'],
  ])('attaches the %s invoice PDF rendered from the event, and a re-send carries byte-identical MIME', async (currency, total, locale, timeZone) => {
    const event = invoiceIn(currency as 'USD', total, { locale, timeZone });
    const send = async (e: typeof event) => {
      const email = renderEmail(templates, e);
      return compose({ ...email, attachments: await attachmentsFor(e, { attachInvoicePdf: true, seller }) });
    };

    const first = await send(event);
    const again = await send(structuredClone(event));

    expect(again.equals(first)).toBe(true);
    const parsed = await simpleParser(first);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({ contentType: 'application/pdf', filename: `${event.payload.invoiceNumber}.pdf` });
    expect(parsed.attachments[0].content.equals(await renderInvoicePdf(event.payload, seller))).toBe(true);
  }, 30_000);

  it('attaches nothing when switched off, and nothing to other emails', async () => {
    const invoice = invoiceIn('USD', 1000, { locale: 'en-US', timeZone: 'America/Los_Angeles' });
    expect(await attachmentsFor(invoice, { attachInvoicePdf: false, seller })).toEqual([]);
    expect(await attachmentsFor(sampleChargeFailed, { attachInvoicePdf: true, seller })).toEqual([]);
    expect(loadNotificationsConfig({}).INVOICE_EMAIL_ATTACH_PDF).toBe(false);
    expect(loadNotificationsConfig({ INVOICE_EMAIL_ATTACH_PDF: 'true' }).INVOICE_EMAIL_ATTACH_PDF).toBe(true);
  });
});
