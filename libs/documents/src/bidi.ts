/**
 * Just enough of the Unicode bidirectional algorithm to lay out one right-to-left line (Arabic
 * sentences with Latin invoice numbers, product names and numbers inside): PDFKit has no bidi.
 *
 * Each character is strong right-to-left (Arabic or Hebrew letters), strong left-to-right (other
 * letters), a digit, or neutral. Digits after a left-to-right letter belong to it; other digit runs
 * read left to right but count as right-to-left for the neutrals around them; a neutral between
 * two characters of one direction takes it, otherwise the line's (right-to-left). Runs are
 * returned in visual order (left to right on the page); each run's text stays in logical order.
 * Not covered: explicit embeddings, mirrored brackets, nested levels.
 */

export interface Run {
  text: string;
  /** Reads right to left (its glyphs are placed in reverse order). */
  readonly rtl: boolean;
}

type Kind = 'R' | 'L' | 'D' | 'N';

/** Invisible direction marks: the layout here decides direction, and fonts often lack these glyphs. */
export const BIDI_CONTROLS = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g;

const RTL_LETTER = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;

function kindOf(ch: string): Kind {
  if (/[\p{Nd}\p{Sc}]/u.test(ch)) return 'D';
  if (/[\p{L}\p{M}]/u.test(ch)) return RTL_LETTER.test(ch) ? 'R' : 'L';
  return 'N';
}

/** Visual runs of one right-to-left line. */
export function rtlVisualRuns(line: string): Run[] {
  const chars = [...line.replace(BIDI_CONTROLS, '')];
  const kinds = chars.map(kindOf);
  // European digits and currency signs after a left-to-right letter read as part of it
  // ("INV-2026-10-000013", "US$"); Arabic-Indic digits stay numbers of their own
  let lastStrong: Kind = 'R';
  const resolved = kinds.map((k, i) => {
    if (k === 'R' || k === 'L') lastStrong = k;
    return k === 'D' && lastStrong === 'L' && /[0-9\p{Sc}]/u.test(chars[i]) ? 'L' : k;
  });
  // neutrals: between two of one direction they take it (digits count as right-to-left), else right-to-left
  const side = (k: Kind) => (k === 'L' ? 'L' : 'R');
  for (let i = 0; i < resolved.length; i++) {
    if (resolved[i] !== 'N') continue;
    let j = i;
    while (j < resolved.length && resolved[j] === 'N') j++;
    const before = i > 0 ? side(resolved[i - 1]) : 'R';
    const after = j < resolved.length ? side(resolved[j]) : 'R';
    // a separator inside a number ("١٬٢٣٤٫٥٠٠", "1,234.5") stays in the number
    const inNumber = j - i === 1 && resolved[i - 1] === 'D' && resolved[j] === 'D';
    const direction: Kind = inNumber ? 'D' : before === after ? before : 'R';
    for (let n = i; n < j; n++) resolved[n] = direction;
    i = j - 1;
  }
  const runs: Run[] = [];
  for (let i = 0; i < chars.length; i++) {
    const rtl = resolved[i] === 'R';
    const last = runs[runs.length - 1];
    if (last && resolved[i] === resolved[i - 1]) last.text += chars[i];
    else runs.push({ text: chars[i], rtl });
  }
  return runs.reverse();
}
