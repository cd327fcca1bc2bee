import { classifySmtpFailure } from './classify-smtp-failure';

describe('classifying SMTP failures', () => {
  it('treats a 550 to RCPT TO (mailbox does not exist) as permanent', () => {
    expect(
      classifySmtpFailure({
        code: 'EENVELOPE',
        responseCode: 550,
        command: 'RCPT TO',
        response: '550 5.1.1 <ann@bounce.invalid>: recipient address rejected',
        message: "Can't send mail - all recipients were rejected",
      }),
    ).toEqual({ kind: 'permanent', smtpCode: 550, reason: '550 5.1.1 <ann@bounce.invalid>: recipient address rejected' });
  });

  it('treats a 5xx to DATA (content refused) as permanent', () => {
    expect(classifySmtpFailure({ code: 'EMESSAGE', responseCode: 554, command: 'DATA', message: 'rejected' }).kind).toBe('permanent');
  });

  it('treats 4xx replies (greylisting, 451 local error) as transient', () => {
    expect(
      classifySmtpFailure({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO', response: '451 4.3.0 try again later', message: 'x' }),
    ).toEqual({ kind: 'transient', smtpCode: 451, reason: '451 4.3.0 try again later', scope: 'email' });
    expect(classifySmtpFailure({ responseCode: 421, command: 'CONN', message: 'service not available' })).toMatchObject({
      kind: 'transient',
      scope: 'server', // the server is going away: an outage, not this email's fault
    });
  });

  it('treats connection errors and timeouts as transient', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED']) {
      expect(classifySmtpFailure({ code, message: 'connect ECONNREFUSED 127.0.0.1:1' })).toEqual({
        kind: 'transient',
        smtpCode: null,
        reason: 'connect ECONNREFUSED 127.0.0.1:1',
        scope: 'server',
      });
    }
  });

  it('does not fail customer emails for our own configuration problems (auth, MAIL FROM)', () => {
    expect(classifySmtpFailure({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', message: 'bad credentials' })).toMatchObject({
      kind: 'transient',
      scope: 'server',
    });
    expect(classifySmtpFailure({ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM', message: 'sender refused' })).toMatchObject({
      kind: 'transient',
      scope: 'server',
    });
  });

  it('reports an error that is not an SMTP outcome as unexpected', () => {
    expect(classifySmtpFailure({ message: 'Cannot read properties of undefined' })).toEqual({
      kind: 'unexpected',
      reason: 'Cannot read properties of undefined',
    });
  });

  it('keeps the reason short and on one line', () => {
    const result = classifySmtpFailure({ responseCode: 550, command: 'RCPT TO', response: `550\n${'x'.repeat(1000)}`, message: '' });
    expect(result.kind).toBe('permanent');
    expect(result.reason).toHaveLength(500);
    expect(result.reason).not.toContain('\n');
  });
});
