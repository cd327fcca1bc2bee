import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The fonts embedded in invoice documents, shipped by npm packages (Noto, SIL Open Font License),
 * never fetched at run time: Noto Sans (Latin, Greek, Cyrillic), Noto Sans JP (Japanese, with
 * Latin) and Noto Naskh Arabic. Read once per process; PDFKit embeds only the glyphs used.
 */
export type Script = 'latin' | 'japanese' | 'arabic';
export type Weight = 'regular' | 'bold';

const FILES: Record<Script, { pkg: string; regular: string; bold: string }> = {
  latin: { pkg: '@embedpdf/fonts-latin', regular: 'NotoSans-Regular.ttf', bold: 'NotoSans-Bold.ttf' },
  japanese: { pkg: '@embedpdf/fonts-jp', regular: 'NotoSansJP-Regular.otf', bold: 'NotoSansJP-Bold.otf' },
  arabic: { pkg: '@embedpdf/fonts-arabic', regular: 'NotoNaskhArabic-Regular.ttf', bold: 'NotoNaskhArabic-Bold.ttf' },
};

const loaded = new Map<string, Buffer>();

/** The font file's bytes. The packages export only an index (dist/index.cjs): the fonts sit beside it in fonts/. */
export function fontBytes(script: Script, weight: Weight): Buffer {
  const key = `${script}-${weight}`;
  let bytes = loaded.get(key);
  if (!bytes) {
    const { pkg, [weight]: file } = FILES[script];
    bytes = readFileSync(join(dirname(require.resolve(pkg)), '..', 'fonts', file));
    loaded.set(key, bytes);
  }
  return bytes;
}
