import { rtlVisualRuns } from './bidi';

const visual = (line: string) => rtlVisualRuns(line).map((r) => `${r.rtl ? 'R' : 'L'}:${r.text}`);

describe('rtlVisualRuns', () => {
  it('keeps an Arabic sentence one right-to-left run', () => {
    expect(visual('لا توجد رسوم في هذه الفترة.')).toEqual(['R:لا توجد رسوم في هذه الفترة.']);
  });

  it('places a Latin invoice number left to right inside an Arabic sentence, the sentence order reversed around it', () => {
    expect(visual('الفاتورة INV-2026-10-000013: ١٠')).toEqual(['L:١٠', 'R:: ', 'L:INV-2026-10-000013', 'R:الفاتورة ']);
  });

  it('keeps an Arabic-Indic amount with its separators one left-to-right run, and drops direction marks', () => {
    expect(visual('\u200f٧٫٢٥٠ د.ك.\u200f')).toEqual(['R: د.ك.', 'L:٧٫٢٥٠']);
    expect(visual('\u200f١٬٢٣٤٫٥٠٠ US$')).toEqual(['L:US$', 'R: ', 'L:١٬٢٣٤٫٥٠٠']);
  });
});
