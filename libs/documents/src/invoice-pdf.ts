import PDFDocument from 'pdfkit';
import { languageOf, textDirection } from '@billing/i18n';
import { BIDI_CONTROLS, rtlVisualRuns, type Run } from './bidi';
import { fontBytes, type Script, type Weight } from './fonts';
import { invoiceContent, type InvoiceContent, type InvoiceSnapshot, type Seller } from './invoice-content';

/**
 * The invoice as a PDF (A4), rendered with PDFKit from the immutable snapshot alone.
 *
 * Deterministic: the same snapshot gives the same bytes on every server and at every time —
 * CreationDate and ModDate are the invoice's issuedAt, the document ID is PDFKit's hash of that
 * metadata (which names the invoice id), font subset tags come from PDFKit's font ids (F1, F2…),
 * and every text is formatted for the customer's locale and zone (never the process's).
 *
 * Right-to-left (Arabic): the page is mirrored and each line is laid out by `rtlVisualRuns`
 * (PDFKit has no bidi); fontkit shapes and orders the glyphs of each Arabic run. See bidi.ts for
 * what that covers.
 */

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const GREY = '#616e7c';
const INK = '#1f2933';
const HAS_ARABIC = /\p{Script=Arabic}/u;
const RTL_LETTER = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;
/**
 * Arabic vowel and shadda marks (tashkeel): optional in Arabic writing, and PDFKit misplaces the
 * offsets fontkit gives them once a run is reversed — the document leaves them out.
 */
const ARABIC_MARKS = /[\u064b-\u065f\u0670]/g;
const MIRRORED: Record<string, string> = { '(': ')', ')': '(', '[': ']', ']': '[', '<': '>', '>': '<' };

interface Box {
  x: number;
  width: number;
}
interface TextStyle {
  align?: 'start' | 'end';
  weight?: Weight;
  size?: number;
  color?: string;
}

/** Writes text in logical coordinates (x from the start edge); mirrors and lays out lines for right-to-left. */
class Page {
  readonly rtl: boolean;
  private readonly script: Script;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    locale: string,
  ) {
    this.rtl = textDirection(locale) === 'rtl';
    this.script = languageOf(locale) === 'ja' ? 'japanese' : 'latin';
    for (const script of ['latin', 'japanese', 'arabic'] as const) {
      if (script === 'latin' || script === this.script || (script === 'arabic' && this.rtl)) {
        for (const weight of ['regular', 'bold'] as const) doc.registerFont(`${script}-${weight}`, fontBytes(script, weight));
      }
    }
  }

  /** Draws `text` wrapped into the box at y; returns the height used. */
  text(text: string, box: Box, y: number, style: TextStyle = {}): number {
    const size = style.size ?? 10;
    const weight = style.weight ?? 'regular';
    this.doc.fillColor(style.color ?? INK).fontSize(size);
    if (!this.rtl) {
      this.doc.font(`${this.script}-${weight}`);
      const options = { width: box.width, align: style.align === 'end' ? ('right' as const) : ('left' as const), lineGap: 2 };
      this.doc.text(text, PAGE.margin + box.x, y, options);
      return this.doc.heightOfString(text, options);
    }
    const lineHeight = size * 1.7;
    const lines = this.wrapRtl(text.replace(ARABIC_MARKS, ''), box.width, weight);
    const left = PAGE.width - PAGE.margin - box.x - box.width;
    lines.forEach((line, i) => {
      const pieces = this.visualRuns(line).flatMap((run) => this.pieces(run, weight));
      const width = pieces.reduce((sum, p) => sum + p.width, 0);
      let x = style.align === 'end' ? left : left + box.width - width;
      for (const p of pieces) {
        if (p.glyphOrder) this.doc.font(p.font).text(p.glyphOrder, x, y + i * lineHeight, { lineBreak: false });
        x += p.width;
      }
    });
    return lines.length * lineHeight;
  }

  /**
   * One visual run as PDFKit must be given it. fontkit reverses the glyphs of any run it detects as
   * Arabic script; a right-to-left run without Arabic letters (spaces, punctuation) is reversed
   * here, and a left-to-right run of Arabic-Indic digits is pre-reversed so fontkit's reversal
   * restores its order.
   */
  private piece(text: string, rtl: boolean, weight: Weight) {
    const arabic = HAS_ARABIC.test(text);
    const font = `${arabic ? 'arabic' : 'latin'}-${weight}`;
    // a right-to-left run shows brackets mirrored, as the bidi algorithm does
    const shown = rtl ? [...text].map((ch) => MIRRORED[ch] ?? ch).join('') : text;
    const glyphOrder = rtl === arabic ? shown : [...shown].reverse().join('');
    this.doc.font(font);
    return { font, glyphOrder, width: this.doc.widthOfString(glyphOrder) };
  }

  /** A line without right-to-left letters (a product name, an address) is one left-to-right run. */
  private visualRuns(line: string): Run[] {
    return RTL_LETTER.test(line) ? rtlVisualRuns(line) : [{ text: line.replace(BIDI_CONTROLS, ''), rtl: false }];
  }

  /**
   * The pieces of one visual run. An Arabic run is drawn word by word, right to left, with the
   * spaces as gaps: PDFKit loses the width of a space inside a reversed Arabic glyph run.
   */
  private pieces(run: Run, weight: Weight) {
    if (!run.rtl || !HAS_ARABIC.test(run.text)) return [this.piece(run.text, run.rtl, weight)];
    const space = { font: `latin-${weight}`, glyphOrder: '', width: this.doc.font(`latin-${weight}`).widthOfString(' ') };
    return run.text
      .split(' ')
      .reverse()
      .flatMap((word, i) => (i === 0 ? [] : [space]).concat(word ? [this.piece(word, true, weight)] : []));
  }

  private widthRtl(line: string, weight: Weight): number {
    return this.visualRuns(line).reduce((sum, run) => sum + this.pieces(run, weight).reduce((w, p) => w + p.width, 0), 0);
  }

  private wrapRtl(text: string, width: number, weight: Weight): string[] {
    const lines: string[] = [];
    let current = '';
    for (const word of text.replace(BIDI_CONTROLS, '').split(' ')) {
      const candidate = current ? `${current} ${word}` : word;
      if (current && this.widthRtl(candidate, weight) > width) {
        lines.push(current);
        current = word;
      } else {
        current = candidate;
      }
    }
    if (current) lines.push(current);
    return lines;
  }

  rule(y: number): void {
    this.doc.moveTo(PAGE.margin, y).lineTo(PAGE.width - PAGE.margin, y).lineWidth(0.5).strokeColor('#cbd2d9').stroke();
  }
}

const COLUMNS: Box[] = [
  { x: 0, width: 215 },
  { x: 220, width: 85 },
  { x: 310, width: 90 },
  { x: 405, width: CONTENT_WIDTH - 405 },
];

function layout(page: Page, content: InvoiceContent): void {
  let y = PAGE.margin;
  const newPageIfBelow = (needed: number) => {
    if (y + needed > PAGE.height - PAGE.margin) {
      page.doc.addPage();
      y = PAGE.margin;
    }
  };
  page.text(content.title, { x: 0, width: CONTENT_WIDTH }, y, { size: 22, weight: 'bold' });
  y += 40;

  const half = { seller: { x: 0, width: 240 }, customer: { x: 260, width: CONTENT_WIDTH - 260 } };
  let blockHeight = 0;
  for (const [block, box] of [
    [content.seller, half.seller],
    [content.customer, half.customer],
  ] as const) {
    let by = y;
    by += page.text(block.label, box, by, { size: 8, color: GREY, weight: 'bold' }) + 2;
    block.lines.forEach((line, i) => (by += page.text(line, box, by, { weight: i === 0 ? 'bold' : 'regular' })));
    blockHeight = Math.max(blockHeight, by - y);
  }
  y += blockHeight + 20;

  for (const [label, value] of content.facts) {
    const height = Math.max(
      page.text(label, { x: 0, width: 140 }, y, { color: GREY }),
      page.text(value, { x: 150, width: CONTENT_WIDTH - 150 }, y),
    );
    y += height + 2;
  }
  y += 16;

  content.columns.forEach((label, i) => page.text(label, COLUMNS[i], y, { weight: 'bold', size: 9, align: i === 0 ? 'start' : 'end' }));
  y += 18;
  page.rule(y);
  y += 6;
  if (content.lines.length === 0) {
    y += page.text(content.noLines, COLUMNS[0], y) + 6;
  }
  for (const line of content.lines) {
    newPageIfBelow(40);
    const descriptionBox = line.quantity === null ? { x: 0, width: COLUMNS[3].x - 5 } : COLUMNS[0];
    let height = page.text(line.description, descriptionBox, y);
    for (const note of line.notes) height += page.text(note, descriptionBox, y + height, { size: 8, color: GREY });
    if (line.quantity !== null) height = Math.max(height, page.text(line.quantity, COLUMNS[1], y, { align: 'end' }));
    if (line.unitPrice !== null) height = Math.max(height, page.text(line.unitPrice, COLUMNS[2], y, { align: 'end' }));
    height = Math.max(height, page.text(line.amount, COLUMNS[3], y, { align: 'end' }));
    y += height + 6;
    page.rule(y - 3);
  }
  y += 8;

  newPageIfBelow(120);
  const labelBox = { x: 220, width: 180 };
  for (const [label, value] of content.totals) {
    y += Math.max(page.text(label, labelBox, y), page.text(value, COLUMNS[3], y, { align: 'end' })) + 2;
  }
  y += 2;
  const [totalLabel, totalValue] = content.total;
  y += Math.max(page.text(totalLabel, labelBox, y, { weight: 'bold', size: 11 }), page.text(totalValue, COLUMNS[3], y, { weight: 'bold', size: 11, align: 'end' }));
  y += 24;

  newPageIfBelow(80);
  y += page.text(content.collection, { x: 0, width: CONTENT_WIDTH }, y) + 24;
  page.text(content.footer, { x: 0, width: CONTENT_WIDTH }, y, { size: 8, color: GREY });
}

/** Renders the invoice document; the same snapshot and seller always give the same bytes. */
export function renderInvoicePdf(invoice: InvoiceSnapshot, seller: Seller): Promise<Buffer> {
  const content = invoiceContent(invoice, seller);
  const issuedAt = new Date(invoice.issuedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    compress: true,
    lang: invoice.customer.locale,
    info: {
      Title: `${content.title} ${invoice.invoiceNumber}`,
      Author: seller.name,
      // PDFKit derives the document ID from this metadata: it names the invoice, so the ID does too
      Subject: invoice.invoiceId,
      Producer: 'billing documents',
      Creator: 'billing documents',
      CreationDate: issuedAt,
      ModDate: issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  layout(new Page(doc, invoice.customer.locale), content);
  doc.end();
  return done;
}
