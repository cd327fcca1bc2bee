import { join } from 'node:path';
import { parseEvent, type EventOf } from '@billing/events';
import { formatDate, formatMoney, message, type MessageKey, type MessageValues } from '@billing/i18n';
import { renderEmail } from './render-email';
import {
  SAMPLE_EVENTS,
  sampleAccountHoldPlaced,
  sampleAccountHoldReleased,
  sampleChargeFailed,
  sampleChargeFailedAuthenticationRequired,
  sampleInvoiceChargedAutomatically,
  sampleInvoiceGenerated,
} from './sample-events';
import { loadTemplates } from '../infrastructure/load-templates';
import type { EmailTemplates } from './templates';
import { composeMime as compose } from './testing/compose-mime';
import { invoiceIn } from './testing/currency-variants';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates');
const NBSP = '\u00a0';


describe('renderEmail', () => {
  let templates: EmailTemplates;

  beforeAll(async () => {
    templates = await loadTemplates(TEMPLATES_DIR);
  });

  describe('given the seed invoice for a Los Angeles account billed $10.00 in USD', () => {
    it('says $10.00 and PDT, and never forint or CET', () => {
      const email = renderEmail(templates, sampleInvoiceGenerated);

      for (const body of [email.text, email.html]) {
        expect(body).toContain('$10.00');
        expect(body).toContain('August 7, 2017 at 8:31:09 PM PDT');
        expect(body).not.toMatch(/Ft|CET|CEST|HUF/);
      }
      expect(email.subject).toBe('Your invoice INV-2017-07-000001 for July 2017');
    });

    it('is keyed per invoice and template, with a Message-ID and Date taken from the key and the event', () => {
      const email = renderEmail(templates, sampleInvoiceGenerated);

      expect(email).toMatchObject({
        emailKey: `invoice:${sampleInvoiceGenerated.payload.invoiceId}`,
        template: 'invoice',
        to: 'ann@example.test',
        toName: 'Ann Example',
        date: '2017-08-08T03:31:09Z',
      });
      expect(email.messageId).toMatch(/^<[0-9a-f]{32}@billing\.local>$/);
      expect(email.headers).toEqual({
        'Message-ID': email.messageId,
        Date: 'Tue, 08 Aug 2017 03:31:09 +0000',
        'X-Billing-Email-Key': email.emailKey,
        'Auto-Submitted': 'auto-generated',
      });
    });

    it('uses the configured Message-ID domain', () => {
      const email = renderEmail(templates, sampleInvoiceGenerated, { messageIdDomain: 'mail.example.test' });

      expect(email.messageId).toMatch(/^<[0-9a-f]{32}@mail\.example\.test>$/);
    });

    it('composes to byte-identical MIME when the event is redelivered', async () => {
      const first = await compose(renderEmail(templates, sampleInvoiceGenerated));
      const again = await compose(renderEmail(templates, structuredClone(sampleInvoiceGenerated)));

      expect(again.equals(first)).toBe(true);
      expect(first.toString('utf8')).toContain('Date: Tue, 08 Aug 2017 03:31:09 +0000');
    });
  });

  it.each([
    ['EUR', 123456, 'de-DE', 'Europe/Berlin', `1.234,56${NBSP}€`],
    ['HUF', 17500, 'hu-HU', 'Europe/Budapest', `175,00${NBSP}Ft`],
    ['JPY', 1500, 'ja-JP', 'Asia/Tokyo', '￥1,500'],
    ['KWD', 1234, 'en-US', 'Asia/Kuwait', `KWD${NBSP}1.234`],
    ['USD', 1000, 'en-US', 'America/Los_Angeles', '$10.00'],
  ])('shows a %s invoice of %i minor units in %s as %s', (currency, totalMinor, locale, timeZone, shown) => {
    const event = invoiceIn(currency as 'USD', totalMinor, { locale, timeZone });
    expect(parseEvent(event)).toMatchObject({ ok: true });

    const email = renderEmail(templates, event);

    expect(email.text).toContain(`${message(locale, 'invoice.totals.total')}: ${shown}`);
    expect(email.html).toContain(`<strong>${shown}</strong>`);
  });

  it.each([
    ['JPY', 100_000_000, 'ja-JP', 'Asia/Tokyo'],
    ['KWD', 100_000_000, 'en-US', 'Asia/Kuwait'],
  ])('does not promise an automatic charge for a %s invoice of %i minor units marked for manual collection', (currency, totalMinor, locale, timeZone) => {
    const base = invoiceIn(currency as 'USD', totalMinor, { locale, timeZone });
    const event = { ...base, payload: { ...base.payload, collection: 'manual_above_provider_maximum' as const } };
    expect(parseEvent(event)).toMatchObject({ ok: true });

    const email = renderEmail(templates, event);

    const amount = formatMoney(totalMinor, currency, locale);
    for (const body of [email.text, email.html]) {
      expect(body).toContain(message(locale, 'invoice.collect.manual'));
      expect(body).not.toContain(message(locale, 'invoice.collect.willCharge', { amount }));
      expect(body).not.toContain(message(locale, 'invoice.collect.mustPay', { amount, dueDate: formatDate(event.payload.dueAt, timeZone, locale) }));
    }
    // the same invoice without the mark (as issued before the field existed) still promises the charge
    expect(renderEmail(templates, base).text).toContain(message(locale, 'invoice.collect.willCharge', { amount }));
  });

  describe('payment failed', () => {
    const notRetryable: EventOf<'ChargeFailed'> = {
      ...sampleChargeFailed,
      payload: { ...sampleChargeFailed.payload, retryable: false, declineCode: 'lost_card' },
    };

    it('tells the customer nothing is needed when the charge will be retried', () => {
      const email = renderEmail(templates, sampleChargeFailed);

      expect(email.subject).toBe('Payment for invoice INV-2017-07-000001 failed, we will try again');
      expect(email.text).toContain('we will retry the payment automatically');
      expect(email.text).not.toContain('Please update your card');
    });

    it('tells the customer to update their card when a retry cannot help', () => {
      const email = renderEmail(templates, notRetryable);

      expect(email.subject).toBe('Action required: update your card to pay invoice INV-2017-07-000001');
      expect(email.text).toContain('Please update your card');
      expect(email.html).toContain('<strong>Please update your card.</strong>');
      expect(email.text).not.toContain('we will retry');
    });

    it('is keyed per invoice and attempt', () => {
      const second: EventOf<'ChargeFailed'> = {
        ...sampleChargeFailed,
        payload: { ...sampleChargeFailed.payload, attempt: 2 },
      };

      const first = renderEmail(templates, sampleChargeFailed);
      const retry = renderEmail(templates, second);

      expect(first.emailKey).toBe(`payment-failed:${sampleChargeFailed.payload.invoiceId}:1`);
      expect(retry.emailKey).toBe(`payment-failed:${sampleChargeFailed.payload.invoiceId}:2`);
      expect(retry.messageId).not.toBe(first.messageId);
    });
  });

  it('keys hold emails by hold id and dates them from the event', () => {
    const placed = renderEmail(templates, sampleAccountHoldPlaced);
    const released = renderEmail(templates, sampleAccountHoldReleased);

    expect(placed.emailKey).toBe(`account-on-hold:${sampleAccountHoldPlaced.payload.holdId}`);
    expect(placed.headers.Date).toBe('Wed, 23 Aug 2017 07:00:00 +0000');
    expect(placed.text).toContain('Invoice INV-2017-07-000001: $10.00');
    expect(released.emailKey).toBe(`hold-released:${sampleAccountHoldReleased.payload.holdId}`);
    expect(released.text).toContain('All unpaid invoices have been paid.');
  });

  it('escapes customer data in HTML but not in the plain-text part', () => {
    const event: EventOf<'InvoiceGenerated'> = {
      ...sampleInvoiceGenerated,
      payload: {
        ...sampleInvoiceGenerated.payload,
        customer: { ...sampleInvoiceGenerated.payload.customer, name: 'Ann <b>& Co</b>' },
      },
    };

    const email = renderEmail(templates, event);

    expect(email.html).toContain('Hello Ann &lt;b&gt;&amp; Co&lt;/b&gt;,');
    expect(email.text).toContain('Hello Ann <b>& Co</b>,');
  });

  describe('says how the invoice will be collected, in USD/en-US, JPY/ja-JP and KWD/ar-KW', () => {
    // [currency, a normal total, a total below the provider minimum, locale, zone]
    type Market = readonly [currency: 'USD' | 'JPY' | 'KWD', totalMinor: number, belowMinimumMinor: number, locale: string, timeZone: string];
    const MARKETS: readonly Market[] = [
      ['USD', 1_000, 30, 'en-US', 'America/Los_Angeles'],
      ['JPY', 1_500, 49, 'ja-JP', 'Asia/Tokyo'],
      ['KWD', 7_250, 100, 'ar-KW', 'Asia/Kuwait'],
    ];
    type Collection = NonNullable<EventOf<'InvoiceGenerated'>['payload']['collection']>;

    function issued(market: Market, collection: Collection, totalMinor: number): EventOf<'InvoiceGenerated'> {
      const [currency, , , locale, timeZone] = market;
      const base = invoiceIn(currency, totalMinor, { locale, timeZone });
      const event: EventOf<'InvoiceGenerated'> = {
        ...base,
        payload: {
          ...base.payload,
          collection,
          carriedForwardMinor: collection === 'below_provider_minimum' ? totalMinor : 0,
          payment: collection === 'no_payment_method' ? { providerCustomerId: null, paymentMethodId: null } : base.payload.payment,
        },
      };
      expect(parseEvent(event)).toMatchObject({ ok: true });
      return event;
    }
    const money = (minor: number, market: Market) => formatMoney(minor, market[0], market[3]);

    describe.each(MARKETS)('in %s', (...market) => {
      const [currency, total, belowMinimum, locale, timeZone] = market;
      /** The sentence as the customer's catalog says it (plain text: tags keep their words). */
      const say = (key: MessageKey, values: MessageValues = {}) => message(locale, key, values);
      const dueDate = (event: EventOf<'InvoiceGenerated'>) => formatDate(event.payload.dueAt, timeZone, locale);
      /** Every collection sentence for this amount, to check that only the right one is said. */
      const collectionSentences = (event: EventOf<'InvoiceGenerated'>, amount: string) => ({
        willCharge: say('invoice.collect.willCharge', { amount }),
        chargeAutomatically: say('invoice.collect.chargeAutomatically', { amount }),
        belowMinimum: say('invoice.collect.belowMinimum', { amount }),
        noPaymentMethod: say('invoice.collect.noPaymentMethod', { amount, dueDate: dueDate(event), invoiceNumber: event.payload.invoiceNumber }),
        mustPay: say('invoice.collect.mustPay', { amount, dueDate: dueDate(event) }),
        manual: say('invoice.collect.manual'),
        nothingDue: say('invoice.collect.nothingDue'),
      });
      /** The text part says exactly the `expected` collection sentence; the HTML part says no other one. */
      const saysOnly = (event: EventOf<'InvoiceGenerated'>, amountMinor: number, expected: keyof ReturnType<typeof collectionSentences>) => {
        const email = renderEmail(templates, event);
        const sentences = collectionSentences(event, money(amountMinor, market));
        expect(email.text).toContain(sentences[expected]);
        for (const [name, sentence] of Object.entries(sentences)) {
          if (name === expected) continue;
          expect({ name, inText: email.text.includes(sentence) }).toEqual({ name, inText: false });
          expect({ name, inHtml: email.html.includes(sentence) }).toEqual({ name, inHtml: false });
        }
        return email;
      };

      it('promises an automatic charge of the total to the payment method on file, naming no card', () => {
        const email = saysOnly(issued(market, 'charge_automatically', total), total, 'chargeAutomatically');
        expect(email.html).toContain(say('invoice.collect.chargeAutomatically', { amount: money(total, market) }));
        for (const body of [email.text, email.html]) expect(body).not.toMatch(/pm_card|visa|ending in/i);
      });

      it('tells the customer that an amount below the minimum we can charge is carried to the next invoice, and charges nothing', () => {
        const email = saysOnly(issued(market, 'below_provider_minimum', belowMinimum), belowMinimum, 'belowMinimum');
        expect(email.html).toContain(
          message(locale, 'invoice.collect.belowMinimum', { amount: money(belowMinimum, market) }, { b: (c) => `<strong>${c.join('')}</strong>`, link: (c) => c.join('') }),
        );
      });

      it('asks a customer without a payment method to add one (charged at once) or to pay by bank transfer', () => {
        const email = saysOnly(issued(market, 'no_payment_method', total), total, 'noPaymentMethod');
        const lead = say('invoice.collect.noPaymentMethod', { amount: money(total, market), dueDate: '', invoiceNumber: '' }).split(/[.。]/)[0];
        expect(email.html).toContain(`<strong>${lead}`);
        expect(email.text).toContain(money(total, market));
      });

      it('says nothing is due for a zero invoice', () => {
        saysOnly(issued(market, 'nothing_due', 0), 0, 'nothingDue');
      });

      it('lists a carried balance as "Balance carried over from" the earlier invoice, with its amount', () => {
        const base = issued(market, 'charge_automatically', total);
        const carried = sampleInvoiceChargedAutomatically.payload.lines[1];
        const event: EventOf<'InvoiceGenerated'> = {
          ...base,
          payload: {
            ...base.payload,
            subtotalMinor: total + belowMinimum,
            totalMinor: total + belowMinimum,
            lines: [...base.payload.lines, { ...carried, amountMinor: belowMinimum }],
          },
        };
        expect(parseEvent(event)).toMatchObject({ ok: true });

        const email = renderEmail(templates, event);

        const carriedFrom = say('invoice.lines.carriedFrom', { invoiceNumber: 'INV-2017-06-000001' });
        expect(email.text).toContain(`- ${carriedFrom}: ${money(belowMinimum, market)}\n`);
        expect(email.html).toContain(
          `${carriedFrom.replace('INV-2017-06-000001', '<strong>INV-2017-06-000001</strong>')}</td>\n<td align="right">${money(belowMinimum, market)}</td>`,
        );
        expect(email.text).not.toContain(say('invoice.lines.lateUsage', { period: '' }).trim());
      });

      it('asks the customer to authenticate the payment with the configured link, not to replace the card', () => {
        const event: EventOf<'ChargeFailed'> = {
          ...sampleChargeFailedAuthenticationRequired,
          payload: {
            ...sampleChargeFailedAuthenticationRequired.payload,
            amountMinor: total,
            currency,
            customer: { ...sampleChargeFailedAuthenticationRequired.payload.customer, locale, timeZone },
          },
        };
        const email = renderEmail(templates, event);
        const due = formatDate(event.payload.dueAt, timeZone, locale);

        expect(email.subject).toBe(say('paymentFailed.subject.authenticate', { invoiceNumber: 'INV-2017-07-000001' }));
        expect(email.text).toContain(`${say('paymentFailed.authenticate.action', { amount: money(total, market), dueDate: due })}\n`);
        expect(email.text).toContain('\nhttp://127.0.0.1:3002/authenticate/INV-2017-07-000001\n');
        expect(email.html).toContain('<a href="http://127.0.0.1:3002/authenticate/INV-2017-07-000001">');
        for (const body of [email.subject, email.text, email.html]) {
          expect(body).not.toContain(say('paymentFailed.updateCard.lead'));
          expect(body).not.toContain(say('paymentFailed.retry.lead'));
        }
      });
    });

    it('no longer says "We will charge" for a USD 0.30 invoice below the provider minimum, and says it is carried', () => {
      const email = renderEmail(templates, issued(MARKETS[0], 'below_provider_minimum', 30));

      expect(email.text).not.toContain('We will charge');
      expect(email.html).not.toContain('We will charge');
      expect(email.text).toContain('$0.30 is below the minimum we can charge, so it is not charged now: it is carried to your next invoice.');
    });

    it('renders an invoice event without a collection decision (issued before it existed) as before', () => {
      const email = renderEmail(templates, sampleInvoiceGenerated);

      expect(email.text).toContain('We will charge $10.00 to your payment method on file. You do not need to do anything.');
      expect(email.text).not.toContain('will be charged automatically');
    });

    it('asks for authentication when only the error code says so', () => {
      const event: EventOf<'ChargeFailed'> = {
        ...sampleChargeFailedAuthenticationRequired,
        payload: { ...sampleChargeFailedAuthenticationRequired.payload, declineCode: null },
      };
      expect(renderEmail(templates, event).text).toContain('Please authenticate the payment of $10.00');
    });

    it('renders the authentication link from the configured template, encoded, byte-identical on a re-render', async () => {
      const configured = await loadTemplates(TEMPLATES_DIR, { paymentAuthenticationUrl: 'https://pay.example.test/i/{invoiceId}?n={invoiceNumber}' });
      const event = {
        ...sampleChargeFailedAuthenticationRequired,
        payload: { ...sampleChargeFailedAuthenticationRequired.payload, invoiceNumber: 'INV 7/1' },
      };

      const email = renderEmail(configured, event);

      expect(email.text).toContain(`https://pay.example.test/i/${event.payload.invoiceId}?n=INV%207%2F1`);
      const [first, again] = await Promise.all([compose(email), compose(renderEmail(configured, structuredClone(event)))]);
      expect(again.equals(first)).toBe(true);
    });

    it('refuses to load with an authentication link that names no invoice', async () => {
      await expect(loadTemplates(TEMPLATES_DIR, { paymentAuthenticationUrl: 'https://pay.example.test/' })).rejects.toThrow(
        /payment authentication link .*must contain \{invoiceNumber\} or \{invoiceId\}/,
      );
    });
  });

  it('renders from sample events that satisfy the event contracts', () => {
    for (const event of SAMPLE_EVENTS) {
      expect(parseEvent(event)).toMatchObject({ ok: true });
    }
  });
});
