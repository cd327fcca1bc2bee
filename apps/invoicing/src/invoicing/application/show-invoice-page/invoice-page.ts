import { type InvoiceContent } from '@billing/documents';
import { message, textDirection } from '@billing/i18n';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

/**
 * The hosted invoice page: the same content as the PDF (same catalogs, same formatting), as one
 * self-contained HTML page in the customer's language, right-to-left for Arabic. Pure.
 */
export function invoicePageHtml(content: InvoiceContent, pdfHref: string): string {
  const { locale } = content;
  const dir = textDirection(locale);
  const block = (b: { label: string; lines: string[] }) =>
    `<div class="block"><div class="label">${escape(b.label)}</div>${b.lines.map((l, i) => (i === 0 ? `<strong>${escape(l)}</strong>` : escape(l))).join('<br>')}</div>`;
  const rows = content.lines.length
    ? content.lines
        .map(
          (l) =>
            `<tr><td${l.quantity === null ? ' colspan="3"' : ''}>${escape(l.description)}${l.notes.map((n) => `<br><small>${escape(n)}</small>`).join('')}</td>` +
            (l.quantity === null ? '' : `<td class="num">${escape(l.quantity)}</td><td class="num">${escape(l.unitPrice ?? '')}</td>`) +
            `<td class="num">${escape(l.amount)}</td></tr>`,
        )
        .join('\n')
    : `<tr><td colspan="4">${escape(content.noLines)}</td></tr>`;
  const totals = [...content.totals.map(([k, v]) => `<tr><td>${escape(k)}</td><td class="num">${escape(v)}</td></tr>`), `<tr class="total"><td>${escape(content.total[0])}</td><td class="num">${escape(content.total[1])}</td></tr>`].join('\n');
  return `<!DOCTYPE html>
<html lang="${escape(locale)}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escape(content.title)} ${escape(content.invoiceNumber)}</title>
<style>
body{margin:0;background:#f4f5f7;font-family:"Noto Sans","Noto Sans JP","Noto Naskh Arabic",Arial,sans-serif;color:#1f2933}
main{max-width:760px;margin:24px auto;background:#fff;border-radius:6px;padding:32px}
h1{margin:0 0 16px}.blocks{display:flex;gap:32px;flex-wrap:wrap}.block{flex:1;min-width:220px}
.label{font-size:12px;color:#616e7c;font-weight:bold}table{width:100%;border-collapse:collapse;margin:16px 0}
th,td{padding:6px;text-align:start;border-bottom:1px solid #e4e7eb;vertical-align:top}.num{text-align:end;white-space:nowrap}
small{color:#616e7c}.total td{font-weight:bold;border-bottom:none}.facts td:first-child{color:#616e7c;width:35%}
a.pdf{display:inline-block;margin-top:8px;padding:8px 16px;background:#1f2933;color:#fff;border-radius:4px;text-decoration:none}
</style>
</head>
<body>
<main>
<h1>${escape(content.title)}</h1>
<div class="blocks">${block(content.seller)}${block(content.customer)}</div>
<table class="facts">${content.facts.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${escape(v)}</td></tr>`).join('')}</table>
<table>
<tr>${content.columns.map((c, i) => `<th${i > 0 ? ' class="num"' : ''}>${escape(c)}</th>`).join('')}</tr>
${rows}
</table>
<table>
${totals}
</table>
<p>${escape(content.collection)}</p>
<p><a class="pdf" href="${escape(pdfHref)}">${escape(message(locale, 'invoice.downloadPdf'))}</a></p>
<p><small>${escape(content.footer)}</small></p>
</main>
</body>
</html>
`;
}
