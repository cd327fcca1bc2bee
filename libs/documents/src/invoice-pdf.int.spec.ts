import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatDate, formatMoney, formatPeriod, formatUnitPrice, message } from '@billing/i18n';
import { englishWordIn } from '@billing/i18n';
import { rtlVisualRuns } from './bidi';
import { renderInvoicePdf } from './invoice-pdf';
import { SAMPLE_MARKETS, SAMPLE_SELLER, sampleInvoice } from './testing/sample-invoice';
import type { InvoiceSnapshot } from './invoice-content';

const run = promisify(execFile);
const WORKSPACE = join(__dirname, '..', '..', '..');
const SCRIPT = join(__dirname, 'testing', 'print-invoice-pdfs.ts');

/** The text layers of the PDFs, extracted with pdf-parse in a child process (see testing/pdf-text.ts). */
async function textsOf(pdfs: Buffer[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'invoice-pdf-'));
  try {
    const files = await Promise.all(pdfs.map(async (pdf, i) => {
      const file = join(dir, `${i}.pdf`);
      await writeFile(file, pdf);
      return file;
    }));
    const { stdout } = await run('node', ['-r', '@swc-node/register', join(__dirname, 'testing', 'pdf-text.ts'), ...files], { cwd: WORKSPACE, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as string[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A string as the text layer of the PDF holds it. Non-breaking spaces are drawn with the space
 * glyph (one glyph, so one character in the text layer), and Arabic lines come out in visual run
 * order (each run in reading order): the same characters, as they are laid out on the page.
 */
function asLaidOut(value: string, invoice: InvoiceSnapshot): string {
  const spaced = value.replace(/[\u00a0\u202f]/g, ' ');
  if (!invoice.customer.locale.startsWith('ar')) return spaced;
  return rtlVisualRuns(spaced)
    .map((r) => r.text.trim())
    .filter(Boolean)
    .join(' ');
}

function amountsOf(invoice: InvoiceSnapshot): string[] {
  const { currency, customer } = invoice;
  return [
    ...invoice.lines.map((l) => formatMoney(l.amountMinor, currency, customer.locale)),
    ...invoice.lines.filter((l) => l.kind !== 'carried_balance').map((l) => formatUnitPrice(l.unitPrice, currency, customer.locale)),
    formatMoney(invoice.subtotalMinor, currency, customer.locale),
    formatMoney(invoice.creditAppliedMinor, currency, customer.locale),
    formatMoney(invoice.totalMinor, currency, customer.locale),
  ];
}

async function renderUnder(env: Record<string, string>) {
  const { stdout } = await run('node', ['-r', '@swc-node/register', SCRIPT], {
    cwd: WORKSPACE,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as { process: { timeZone: string; locale: string }; pdfs: Record<string, string> };
}

describe('invoice PDF', () => {
  const rendered = new Map<string, { pdf: Buffer; text: string }>();

  beforeAll(async () => {
    const pdfs = await Promise.all(SAMPLE_MARKETS.map(([, invoice]) => renderInvoicePdf(invoice, SAMPLE_SELLER)));
    const texts = await textsOf(pdfs);
    SAMPLE_MARKETS.forEach(([market], i) => rendered.set(market, { pdf: pdfs[i], text: texts[i] }));
  }, 60_000);

  describe.each(SAMPLE_MARKETS)('of a %s invoice', (market, invoice) => {
    let pdf: Buffer;
    let text: string;

    beforeAll(() => {
      ({ pdf, text } = rendered.get(market)!);
    });

    it('shows every amount exactly as the invoice email formats it', () => {
      for (const amount of amountsOf(invoice)) expect({ amount, found: text.includes(asLaidOut(amount, invoice)) }).toEqual({ amount, found: true });
    });

    it('shows the number, seller, customer, period in the account zone, issue date and how it will be collected, in the customer language', () => {
      const { locale, timeZone } = invoice.customer;
      for (const expected of [
        invoice.invoiceNumber,
        SAMPLE_SELLER.name,
        SAMPLE_SELLER.taxId!,
        invoice.customer.name,
        formatPeriod(invoice.period, locale),
        formatDate(invoice.issuedAt, timeZone, locale),
        formatDate(invoice.periodStart, timeZone, locale),
      ]) {
        expect({ expected, found: text.includes(asLaidOut(expected, invoice)) }).toEqual({ expected, found: true });
      }
      if (!locale.startsWith('ar')) {
        const collection = message(locale, 'invoice.collect.chargeAutomatically', { amount: formatMoney(invoice.totalMinor, invoice.currency, locale) });
        expect(text.replace(/\s+/g, ' ')).toContain(collection.replace(/[\s\u00a0]+/g, ' '));
        expect(text).toContain(message(locale, 'invoice.lines.carriedFrom', { invoiceNumber: 'INV-2026-09-000007' }));
      }
      expect(text).toContain(message(locale, 'invoice.title'));
    });

    it('has no English sentence unless the customer reads English (product names, addresses and numbers aside)', () => {
      if (invoice.customer.locale.startsWith('en')) return;
      const data = [SAMPLE_SELLER.name, ...SAMPLE_SELLER.addressLines, SAMPLE_SELLER.taxId!, SAMPLE_SELLER.email!, invoice.customer.name, invoice.customer.email, invoice.customer.timeZone];
      let rest = text.replace(/INV-[\d-]+/g, ' ');
      for (const line of invoice.lines) rest = rest.split(line.description).join(' ').split(line.unit).join(' ');
      for (const d of data) rest = rest.split(d).join(' ');
      expect(englishWordIn(rest)).toBeNull();
    });

    it('embeds its fonts and is dated by the invoice, not the clock', () => {
      const raw = pdf.toString('latin1');
      expect(raw).toMatch(/\/FontFile[23]? /);
      // pdfkit writes each info value as its own object
      expect(raw).not.toMatch(/\/BaseFont \/(Helvetica|Times|Courier)/);
      expect(raw).toContain('(D:20261101093000Z)');
      expect(raw).not.toMatch(/\(D:(?!20261101093000Z)\d{14}Z\)/);
    });
  });

  it('renders the same snapshot to the same bytes at any clock time, and another invoice id to another document ID', async () => {
    const [, invoice] = SAMPLE_MARKETS[0];
    const first = await renderInvoicePdf(invoice, SAMPLE_SELLER);
    jest.useFakeTimers({ now: new Date('2031-07-04T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask', 'clearImmediate', 'clearTimeout', 'clearInterval'] });
    let later: Buffer;
    try {
      expect(new Date().getUTCFullYear()).toBe(2031);
      later = await renderInvoicePdf(structuredClone(invoice), SAMPLE_SELLER);
    } finally {
      jest.useRealTimers();
    }
    expect(later.equals(first)).toBe(true);
    const other = await renderInvoicePdf({ ...invoice, invoiceId: '11111111-2222-4333-8444-555555555555' }, SAMPLE_SELLER);
    const id = (pdf: Buffer) => /\/ID \[<([0-9a-f]+)>/.exec(pdf.toString('latin1'))?.[1];
    expect(id(other)).toBeDefined();
    expect(id(other)).not.toBe(id(first));
  });

  it('renders byte-identical PDFs under TZ=Pacific/Kiritimati and TZ=America/Los_Angeles with different process locales', async () => {
    const [kiritimati, losAngeles] = await Promise.all([
      renderUnder({ TZ: 'Pacific/Kiritimati', LANG: 'hu_HU.UTF-8', LC_ALL: 'hu_HU.UTF-8' }),
      renderUnder({ TZ: 'America/Los_Angeles', LANG: 'en_US.UTF-8' }),
    ]);
    expect(kiritimati.process.timeZone).toBe('Pacific/Kiritimati');
    expect(losAngeles.process.timeZone).toBe('America/Los_Angeles');
    expect(kiritimati.process.locale).not.toBe(losAngeles.process.locale);
    const sha = (b64: string) => createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
    for (const [market, invoice] of SAMPLE_MARKETS) {
      const here = createHash('sha256').update(await renderInvoicePdf(invoice, SAMPLE_SELLER)).digest('hex');
      expect({ market, kiritimati: sha(kiritimati.pdfs[market]), losAngeles: sha(losAngeles.pdfs[market]) }).toEqual({ market, kiritimati: here, losAngeles: here });
    }
  }, 120_000);

  it('says each collection decision the way the email does (JPY and KWD)', async () => {
    for (const [currency, locale, timeZone] of [
      ['JPY', 'ja-JP', 'Asia/Tokyo'],
      ['KWD', 'en-US', 'Asia/Kuwait'],
    ] as const) {
      const invoice = sampleInvoice({ currency, locale, timeZone, usageMinor: 40, lateMinor: 5, carriedMinor: 4, creditMinor: 0, unitPrice: '1', lateUnitPrice: '1', periodStart: '2026-09-30T15:00:00.000Z', periodEnd: '2026-10-31T15:00:00.000Z', collection: 'no_payment_method' });
      const [raw] = await textsOf([await renderInvoicePdf(invoice, SAMPLE_SELLER)]);
      // a wrapped line adds a line break (Japanese has no spaces to wrap at): compare without white space
      const text = raw.replace(/\s+/g, '');
      const sentence = message(locale, 'invoice.collect.noPaymentMethod', {
        amount: formatMoney(49, currency, locale),
        dueDate: formatDate(invoice.dueAt, timeZone, locale),
        invoiceNumber: invoice.invoiceNumber,
      });
      expect(text).toContain(sentence.replace(/[\s\u00a0]+/g, ''));
    }
  });
});
