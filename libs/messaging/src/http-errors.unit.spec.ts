import { ConflictException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { toHttpError } from './http-errors';

describe('toHttpError', () => {
  it('answers 404 for not_found and 409 for any other refusal unless told otherwise', () => {
    const missing = toHttpError({ code: 'not_found', message: 'no invoice has this id' });
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing.getResponse()).toEqual({ statusCode: 404, error: 'Not Found', code: 'not_found', message: 'no invoice has this id' });
    const state = toHttpError({ code: 'already_running', message: 'the run is still running' });
    expect(state).toBeInstanceOf(ConflictException);
    expect(state.getStatus()).toBe(409);
  });

  it('takes the status of each code from the use case, and names the refused field', () => {
    type Code = 'charge_in_flight' | 'amount_exceeds_outstanding';
    const statuses = { charge_in_flight: 409 } as const;
    expect(toHttpError<Code>({ code: 'charge_in_flight', message: 'wait' }, statuses, 422).getStatus()).toBe(409);
    const refused = toHttpError<Code>({ code: 'amount_exceeds_outstanding', message: 'is more than is outstanding', field: 'amountMinor' }, statuses, 422);
    expect(refused).toBeInstanceOf(UnprocessableEntityException);
    expect(refused.getResponse()).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      code: 'amount_exceeds_outstanding',
      message: 'amountMinor: is more than is outstanding',
      fields: ['amountMinor'],
    });
  });
});
