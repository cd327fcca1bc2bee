import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CURRENCY_CODES, minorUnitExponent } from '@billing/money';

/**
 * The finance console's files: plain ES modules and one stylesheet under apps/reporting/console,
 * and Chart.js's UMD build from node_modules. Only the files listed here are ever served, so
 * no request path reaches the file system.
 */
export const CONSOLE_DIR = path.resolve(__dirname, '../../console');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface ConsoleFile {
  file: string;
  contentType: string;
}

export function consoleFiles(dir = CONSOLE_DIR): ReadonlyMap<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType) files.set(name, { file: path.join(dir, name), contentType });
  }
  // chart.js exports only its ES and CommonJS entries; the UMD build sits next to the CommonJS one.
  const chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  files.set('vendor/chart.umd.js', { file: chartJs, contentType: CONTENT_TYPES['.js'] });
  return files;
}

/** The project's minor-unit exponent of every currency (libs/money), for the browser's conversions. */
export function currencyExponents(): Record<string, number> {
  return Object.fromEntries(CURRENCY_CODES.map((code) => [code, minorUnitExponent(code)]));
}

/**
 * Same-origin only: scripts, styles, data and images come from this service; nothing may frame
 * the console. The token lives in the page's sessionStorage, so no third-party script may run.
 */
export const CONSOLE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};
