import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { parseRequest } from './http';

describe('parseRequest at the HTTP edge', () => {
  const schema = z.object({ records: z.array(z.object({ resourceId: z.string() })) });

  it('answers 400 naming the field when a string holds the NUL character PostgreSQL cannot store', () => {
    const call = () => parseRequest(schema, { records: [{ resourceId: 'ok' }, { resourceId: 'a\u0000b' }] });
    expect(call).toThrow(BadRequestException);
    try {
      call();
    } catch (error) {
      expect((error as BadRequestException).getResponse()).toMatchObject({
        statusCode: 400,
        message: 'body.records.1.resourceId: must not contain the NUL character (U+0000)',
        fields: ['body.records.1.resourceId'],
      });
    }
  });

  it('returns the parsed input when every field is valid', () => {
    expect(parseRequest(schema, { records: [{ resourceId: 'srv-1' }] })).toEqual({ records: [{ resourceId: 'srv-1' }] });
  });
});
