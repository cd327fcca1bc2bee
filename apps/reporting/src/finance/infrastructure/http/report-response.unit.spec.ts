import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { encodeCursor, limitField, pageQuery } from './report-response';

describe('report pagination', () => {
  const sizes = { REPORT_PAGE_SIZE: 100, REPORT_PAGE_SIZE_MAX: 1_000 };
  const page = pageQuery(sizes, z.object({ offset: z.number().int().min(0) }));

  it('reads the first page with the default size, and the position of a cursor it wrote', () => {
    expect(page({})).toEqual({ format: undefined, limit: 100, position: undefined });
    expect(page({ format: 'csv', limit: '5', cursor: encodeCursor({ offset: 10 }) })).toEqual({ format: 'csv', limit: 5, position: { offset: 10 } });
  });

  it('refuses a page larger than the maximum and a cursor it did not write, naming the field', () => {
    expect(() => page({ limit: '1001' })).toThrow(BadRequestException);
    expect(() => page({ cursor: encodeCursor({ accountId: 'a' }) })).toThrow('query.cursor');
  });

  it('keeps the default page size within the maximum', () => {
    expect(limitField({ REPORT_PAGE_SIZE: 500, REPORT_PAGE_SIZE_MAX: 50 }).parse(undefined)).toBe(50);
  });
});
