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

  it('writes a header row and CRLF-terminated rows', () => {
    expect(toCsv({ columns: ['currency', 'amount_minor'], rows: [['USD', 12_345], ['KWD', 7_250]] })).toBe(
      'currency,amount_minor\r\nUSD,12345\r\nKWD,7250\r\n',
    );
    expect(toCsv({ columns: ['a', 'b'], rows: [] })).toBe('a,b\r\n');
  });
});
