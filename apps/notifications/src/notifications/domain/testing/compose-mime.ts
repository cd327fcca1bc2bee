import type Mail from 'nodemailer/lib/mailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { RenderedEmail } from '../render-email';

/** The MIME message SmtpMailer sends for a rendered email (the same nodemailer options), for byte comparisons in tests. */
export function composeMime(email: RenderedEmail): Promise<Buffer> {
  const mail = {
    from: 'Billing <billing@example.test>',
    to: { name: email.toName, address: email.to },
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: email.headers,
    messageId: email.messageId,
    baseBoundary: email.mimeBoundary,
    attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
  } as Mail.Options;
  return new Promise((resolve, reject) => new MailComposer(mail).compile().build((err, message) => (err ? reject(err) : resolve(message))));
}
