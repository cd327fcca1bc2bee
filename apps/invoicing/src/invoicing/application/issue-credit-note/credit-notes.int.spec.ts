import { randomUUID } from 'node:crypto';
import { ChargeSucceededV1, CreditNoteSettledV1, TOPICS, createEvent } from '@billing/events';
import { ManualClock, topicName } from '@billing/messaging';
import { readTopic, waitFor } from '@billing/testing';
import { TOKENS, api, invoicingForSuite, meta, produce } from '../../../testing/invoicing-test-service';

/**
 * Credit notes and voids correct an issued invoice with a new document (issue 19): numbered
 * gap-free per month, refused with nothing written when they would credit too much, idempotent per
 * Idempotency-Key, emitted through the outbox; account credit from a settled credit note is added once.
 */
describe('credit notes and voids (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  // The suite's clock runs weeks ahead of the database's, and maintenance rounds every 300 ms: an
  // inbox age measured on the business clock would prune the ids `consumed` looks for (and that
  // drop redeliveries) the moment they are written.
  const service = invoicingForSuite('invcredit', clock, { MAINTENANCE_INTERVAL_MS: '300' });
  const ids = { jpy: '', jpyVoid: '', kwd: '', kwdPaid: '', jpySettled: '', jpyRace: '' };
  const invoices: Record<string, { invoiceId: string; invoiceNumber: string; totalMinor: number; lines: { lineId: string; amountMinor: number }[] }> = {};

  const write = (path: string, body: unknown, key: string | null, token: string | null = TOKENS.finance) =>
    api(service.url, 'POST', path, body, token, key === null ? {} : { 'idempotency-key': key });
  const credit = (account: string, body: unknown, key: string | null = randomUUID(), token: string | null = TOKENS.finance) =>
    write(`/v1/invoices/${invoices[account].invoiceId}/credit-notes`, body, key, token);
  const voidInvoice = (account: string, key: string | null = randomUUID(), token: string | null = TOKENS.admin) =>
    write(`/v1/invoices/${invoices[account].invoiceId}/void`, undefined, key, token);
  const lineOf = (account: string, sku: string) => invoices[account].lines.find((l) => l.lineId.startsWith(`${sku}:`))!.lineId;
  const invoice = async (account: string) => (await api(service.url, 'GET', `/v1/invoices/${invoices[account].invoiceId}`, undefined, TOKENS.finance)).body;
  const creditBalance = async (accountId: string) => (await api(service.url, 'GET', `/v1/accounts/${accountId}`)).body.creditBalanceMinor;
  const db = <T>(sql: string, params: unknown[] = []): Promise<T[]> => service.runtime.dataSource.query(sql, params);
  /** Everything a credit note writes: notes, their lines, the sequences, credited amounts, outbox rows. */
  const written = async () =>
    (
      await db<Record<string, string>>(`SELECT
        (SELECT count(*) FROM credit_notes) AS notes, (SELECT count(*) FROM credit_note_lines) AS lines,
        (SELECT coalesce(sum(last_value), 0) FROM credit_note_sequences) AS numbers,
        (SELECT sum(credited_minor) FROM invoices) AS credited, (SELECT count(*) FROM invoices WHERE voided_at IS NOT NULL) AS voided,
        (SELECT sum(credit_balance_minor) FROM accounts) AS balances,
        (SELECT count(*) FROM outbox WHERE event_type = 'CreditNoteIssued') AS events`)
    )[0];
  const consumed = (eventId: string) =>
    waitFor(async () => (await db('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).length > 0, { what: `event ${eventId} to be consumed` });

  beforeAll(async () => {
    for (const [sku, prices] of [
      ['storage', { JPY: { unitPrice: '12' }, KWD: { unitPrice: '0.125' } }],
      ['vm', { JPY: { unitPrice: '100' }, KWD: { unitPrice: '1.250' } }],
    ] as const) {
      expect((await api(service.url, 'PUT', `/v1/products/${sku}`, { description: sku === 'vm' ? 'Server' : 'Storage', unit: 'GB-month', prices })).status).toBe(200);
    }
    ids.jpy = await service.createAccount({ name: 'Tanaka KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP', creditBalanceMinor: 100 });
    ids.jpyVoid = await service.createAccount({ name: 'Void KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP', creditBalanceMinor: 200 });
    ids.kwd = await service.createAccount({ name: 'Gulf KSC', currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'ar-KW' });
    ids.kwdPaid = await service.createAccount({ name: 'Paid KSC', currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'ar-KW' });
    ids.jpySettled = await service.createAccount({ name: 'Settled KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.jpyRace = await service.createAccount({ name: 'Race KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    const usage = (accountId: string, sku: string, quantity: string, month = '2026-11') =>
      ({ usageId: `${sku}-${month}`, accountId, sku, resourceId: 'r-1', quantity, occurredAt: `${month}-10T00:00:00Z` });
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: [
        usage(ids.jpy, 'storage', '100'), // 1,200 yen
        usage(ids.jpy, 'vm', '30'), // 3,000 yen
        usage(ids.jpyVoid, 'vm', '10'), // 1,000 yen
        usage(ids.kwd, 'storage', '8'), // 1.000 KWD
        usage(ids.kwd, 'vm', '2'), // 2.500 KWD
        usage(ids.kwdPaid, 'vm', '1'),
        usage(ids.jpySettled, 'vm', '20'),
        usage(ids.jpyRace, 'vm', '10'), // 1,000 yen
      ],
    });
    expect(upload).toMatchObject({ status: 200, body: { accepted: 8 } });
    clock.set('2026-12-03T00:00:00.000Z');
    await service.closeMonth('2026-11');
    for (const [name, accountId] of Object.entries(ids)) {
      invoices[name] = (await api(service.url, 'GET', `/v1/accounts/${accountId}/invoices?period=2026-11`, undefined, TOKENS.finance)).body.items[0];
    }
    expect(invoices.jpy).toMatchObject({ subtotalMinor: 4_200, creditAppliedMinor: 100, totalMinor: 4_100 });
    expect(invoices.jpyVoid).toMatchObject({ subtotalMinor: 1_000, creditAppliedMinor: 200, totalMinor: 800 });
    expect(invoices.kwd).toMatchObject({ totalMinor: 3_500 });
  });

  it('issues a credit note on a JPY invoice: 201, CN-2026-12-000001, the invoice shows what was credited, and CreditNoteIssued reaches Kafka', async () => {
    const created = await credit('jpy', { reason: 'Server hours rated twice', lines: [{ lineId: lineOf('jpy', 'vm'), amountMinor: 1_000 }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      creditNoteNumber: 'CN-2026-12-000001',
      invoiceId: invoices.jpy.invoiceId,
      invoiceNumber: invoices.jpy.invoiceNumber,
      accountId: ids.jpy,
      kind: 'credit',
      reason: 'Server hours rated twice',
      currency: 'JPY',
      lines: [{ lineId: lineOf('jpy', 'vm'), description: 'Server', amountMinor: 1_000 }],
      totalMinor: 1_000,
      invoiceTotalMinor: 4_100,
      creditedBeforeMinor: 0,
      paidPartTo: 'refund',
      issuedAt: '2026-12-03T00:00:00.000Z',
      issuedBy: 'finance',
      customer: { name: 'Tanaka KK', timeZone: 'Asia/Tokyo', locale: 'ja-JP' },
    });
    expect(await invoice('jpy')).toMatchObject({ totalMinor: 4_100, creditedMinor: 1_000, status: 'issued', voidedAt: null });
    const listed = await api(service.url, 'GET', `/v1/invoices/${invoices.jpy.invoiceId}/credit-notes`, undefined, TOKENS.operator);
    expect(listed).toMatchObject({ status: 200, body: { items: [created.body] } });

    const topic = topicName(service.deployment.prefix, TOPICS.invoices);
    const messages = await readTopic(topic, { until: (seen) => seen.some((m) => m.value?.includes(created.body.creditNoteId)) });
    const event = messages.map((m) => JSON.parse(m.value!)).find((e) => e.type === 'CreditNoteIssued');
    expect(event).toMatchObject({ type: 'CreditNoteIssued', version: 1, producer: 'invoicing', accountId: ids.jpy, payload: { creditNoteNumber: 'CN-2026-12-000001', totalMinor: 1_000 } });
  });

  it('answers a repeated request with the same key with the same credit note and writes nothing; the key with another body is 409', async () => {
    const key = randomUUID();
    const body = { reason: 'Storage discount', paidPartTo: 'account_credit', lines: [{ lineId: lineOf('jpy', 'storage'), amountMinor: 200 }] };
    const first = await credit('jpy', body, key);
    expect(first).toMatchObject({ status: 201, body: { creditNoteNumber: 'CN-2026-12-000002', creditedBeforeMinor: 1_000, paidPartTo: 'account_credit' } });
    const before = await written();
    const again = await credit('jpy', body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const reused = await credit('jpy', { ...body, reason: 'Another reason' }, key);
    expect(reused).toMatchObject({ status: 409, body: { code: 'idempotency_key_reused' } });
    expect(await written()).toEqual(before);
  });

  it('refuses over-crediting with 422 and writes nothing: the total is what was billed (subtotal minus prepaid credit), and each line its remainder', async () => {
    const before = await written();
    // 4,100 billed, 1,200 credited: 2,900 left. The whole lines left are 1,000 (storage) + 2,000 (vm) = 3,000.
    const whole = await credit('jpy', { reason: 'everything', lines: [{ lineId: lineOf('jpy', 'storage') }, { lineId: lineOf('jpy', 'vm') }] });
    expect(whole).toMatchObject({ status: 422, body: { code: 'exceeds_invoice_total', fields: ['body.lines'] } });
    expect(whole.body.message).toContain('2900 left');
    const line = await credit('jpy', { reason: 'too much storage', lines: [{ lineId: lineOf('jpy', 'storage'), amountMinor: 1_001 }] });
    expect(line).toMatchObject({ status: 422, body: { code: 'line_amount_exceeded', fields: ['body.lines.0.amountMinor'] } });
    expect(await written()).toEqual(before);

    // the rest exactly: takes the next number, no gap left by the refusals
    const rest = await credit('jpy', { reason: 'the rest', lines: [{ lineId: lineOf('jpy', 'storage') }, { lineId: lineOf('jpy', 'vm'), amountMinor: 1_900 }] });
    expect(rest).toMatchObject({ status: 201, body: { creditNoteNumber: 'CN-2026-12-000003', totalMinor: 2_900, creditedBeforeMinor: 1_200 } });
    expect(await invoice('jpy')).toMatchObject({ creditedMinor: 4_100 });
    expect((await credit('jpy', { reason: 'one more yen', lines: [{ lineId: lineOf('jpy', 'vm'), amountMinor: 1 }] })).body.code).toBe('exceeds_invoice_total');
  });

  it('credits a KWD invoice in fils, refusing amounts that are not collectible (multiples of 10 fils)', async () => {
    const odd = await credit('kwd', { reason: 'odd fils', lines: [{ lineId: lineOf('kwd', 'vm'), amountMinor: 1_005 }] });
    expect(odd).toMatchObject({ status: 422, body: { code: 'amount_not_collectible', fields: ['body.lines.0.amountMinor'] } });
    const ok = await credit('kwd', { reason: 'goodwill', currency: 'KWD', lines: [{ lineId: lineOf('kwd', 'storage') }, { lineId: lineOf('kwd', 'vm'), amountMinor: 1_250 }] });
    expect(ok).toMatchObject({ status: 201, body: { currency: 'KWD', totalMinor: 2_250, invoiceTotalMinor: 3_500, lines: [{ amountMinor: 1_000 }, { amountMinor: 1_250 }] } });
    expect((await credit('kwd', { reason: 'x', currency: 'JPY', lines: [{ lineId: lineOf('kwd', 'vm') }] })).body.code).toBe('currency_mismatch');
    expect(await invoice('kwd')).toMatchObject({ creditedMinor: 2_250, totalMinor: 3_500 });
  });

  it('keeps one credit note per key and the total limit when requests race, and numbers every note of the month without a gap', async () => {
    const body = { reason: 'race', lines: [{ lineId: lineOf('jpyRace', 'vm'), amountMinor: 400 }] };
    const key = randomUUID();
    const twins = await Promise.all(Array.from({ length: 5 }, () => credit('jpyRace', body, key)));
    expect(twins.map((t) => t.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(twins.map((t) => t.body.creditNoteId)).size).toBe(1);
    expect(twins.filter((t) => t.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    // 600 yen left: of two notes of 400 sent at once, one is issued and the other refused
    const rivals = await Promise.all([credit('jpyRace', body), credit('jpyRace', body)]);
    expect(rivals.map((r) => r.status).sort()).toEqual([201, 422]);
    expect(await invoice('jpyRace')).toMatchObject({ creditedMinor: 800 });
    const numbers = (await db<{ n: string }>(`SELECT credit_note_number AS n FROM credit_notes WHERE credit_note_number LIKE 'CN-2026-12-%' ORDER BY 1`)).map((r) => r.n);
    expect(numbers).toEqual(numbers.map((_, i) => `CN-2026-12-${String(i + 1).padStart(6, '0')}`));
    expect(numbers.length).toBeGreaterThanOrEqual(6);
  });

  it('answers 400 naming the field, 404 for an unknown invoice, 401 without a token and 403 to other roles, writing nothing', async () => {
    const before = await written();
    const noKey = await credit('jpy', { reason: 'r', lines: [{ lineId: lineOf('jpy', 'vm') }] }, null);
    expect(noKey).toMatchObject({ status: 400, body: { fields: ['header.Idempotency-Key'] } });
    const bad = await credit('kwd', { lines: [{ lineId: lineOf('kwd', 'vm'), amountMinor: 1.5 }], paidPartTo: 'cash' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.sort()).toEqual(['body.lines.0.amountMinor', 'body.paidPartTo', 'body.reason']);
    const twice = await credit('kwd', { reason: 'r', lines: [{ lineId: lineOf('kwd', 'vm') }, { lineId: lineOf('kwd', 'vm') }] });
    expect(twice).toMatchObject({ status: 400, body: { fields: ['body.lines.1.lineId'] } });
    const unknownLine = await credit('kwd', { reason: 'r', lines: [{ lineId: 'no-such-line' }] });
    expect(unknownLine).toMatchObject({ status: 400, body: { code: 'unknown_line', fields: ['body.lines.0.lineId'] } });
    const unknown = await write(`/v1/invoices/${randomUUID()}/credit-notes`, { reason: 'r', lines: [{ lineId: 'x' }] }, randomUUID());
    expect(unknown).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await credit('kwd', { reason: 'r', lines: [{ lineId: lineOf('kwd', 'vm') }] }, randomUUID(), TOKENS.operator)).status).toBe(403);
    expect((await credit('kwd', { reason: 'r', lines: [{ lineId: lineOf('kwd', 'vm') }] }, randomUUID(), null)).status).toBe(401);
    expect((await voidInvoice('jpyVoid', randomUUID(), TOKENS.finance)).status).toBe(403);
    expect((await api(service.url, 'GET', `/v1/invoices/${invoices.jpy.invoiceId}/credit-notes`, undefined, TOKENS.admin)).status).toBe(403);
    expect((await api(service.url, 'GET', `/v1/invoices/${randomUUID()}/credit-notes`, undefined, TOKENS.finance)).status).toBe(404);
    expect(await written()).toEqual(before);
  });

  it('voids an unpaid JPY invoice with a full credit note, gives back the prepaid credit it spent, and refuses anything more on it with 409', async () => {
    expect(await creditBalance(ids.jpyVoid)).toBe(0);
    const key = randomUUID();
    const voided = await voidInvoice('jpyVoid', key);
    expect(voided).toMatchObject({
      status: 201,
      body: { kind: 'void', reason: 'void', issuedBy: 'admin', totalMinor: 800, invoiceTotalMinor: 800, paidPartTo: 'refund', lines: [{ amountMinor: 800 }] },
    });
    expect(await invoice('jpyVoid')).toMatchObject({ status: 'voided', voidedAt: '2026-12-03T00:00:00.000Z', creditedMinor: 800, totalMinor: 800 });
    // 200 of prepaid credit went on the invoice; it is the account's again
    expect(await creditBalance(ids.jpyVoid)).toBe(200);

    const before = await written();
    const replay = await voidInvoice('jpyVoid', key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(voided.body);
    expect((await voidInvoice('jpyVoid')).body).toMatchObject({ code: 'invoice_voided' });
    const onVoided = await credit('jpyVoid', { reason: 'r', lines: [{ lineId: lineOf('jpyVoid', 'vm'), amountMinor: 1 }] });
    expect(onVoided).toMatchObject({ status: 409, body: { code: 'invoice_voided' } });
    // an invoice already credited is not voided: the rest is credited instead
    expect(await voidInvoice('kwd')).toMatchObject({ status: 409, body: { code: 'has_credit_notes' } });
    expect(await written()).toEqual(before);
  });

  it('refuses to void a KWD invoice once payments collected something (ChargeSucceeded, delivered over Kafka)', async () => {
    const charged = createEvent(ChargeSucceededV1, meta(ids.kwdPaid), {
      invoiceId: invoices.kwdPaid.invoiceId,
      invoiceNumber: invoices.kwdPaid.invoiceNumber,
      attempt: 1,
      amountMinor: invoices.kwdPaid.totalMinor,
      currency: 'KWD',
      paymentMethodId: 'pm_card_visa',
      providerPaymentIntentId: 'pi_1',
      providerChargeId: 'ch_1',
      succeededAt: '2026-12-03T00:01:00.000Z',
    });
    await produce(service.deployment, TOPICS.payments, [charged]);
    await consumed(charged.eventId);
    const before = await written();
    expect(await voidInvoice('kwdPaid')).toMatchObject({ status: 409, body: { code: 'already_collected' } });
    expect(await written()).toEqual(before);
  });

  it('adds account credit from a settled credit note once (the same event twice, and another event for the same note), and the next invoice applies it', async () => {
    clock.set('2027-01-01T00:10:00.000Z');
    const note = await credit('jpySettled', { reason: 'goodwill', paidPartTo: 'account_credit', lines: [{ lineId: lineOf('jpySettled', 'vm'), amountMinor: 500 }] });
    // numbered in the UTC month of issue: a new month starts a new sequence
    expect(note).toMatchObject({ status: 201, body: { creditNoteNumber: 'CN-2027-01-000001' } });
    const settled = createEvent(CreditNoteSettledV1, meta(ids.jpySettled, { producer: 'payments' }), {
      creditNoteId: note.body.creditNoteId,
      creditNoteNumber: note.body.creditNoteNumber,
      invoiceId: invoices.jpySettled.invoiceId,
      invoiceNumber: invoices.jpySettled.invoiceNumber,
      currency: 'JPY',
      totalMinor: 500,
      appliedToOutstandingMinor: 0,
      refundMinor: 0,
      accountCreditMinor: 500,
      outstandingAfterMinor: 0,
      settledAt: '2027-01-01T00:11:00.000Z',
    });
    const sameNoteAgain = createEvent(CreditNoteSettledV1, meta(ids.jpySettled, { producer: 'payments' }), settled.payload);
    await produce(service.deployment, TOPICS.payments, [settled, settled, sameNoteAgain]);
    await consumed(sameNoteAgain.eventId);
    expect(await creditBalance(ids.jpySettled)).toBe(500);

    const december = await api(service.url, 'POST', '/v1/usage', {
      records: [{ usageId: 'vm-2026-12', accountId: ids.jpySettled, sku: 'vm', resourceId: 'r-1', quantity: '7', occurredAt: '2026-12-10T00:00:00Z' }],
    });
    expect(december.status).toBe(200);
    clock.set('2027-01-03T00:00:00.000Z');
    await service.closeMonth('2026-12');
    const next = (await api(service.url, 'GET', `/v1/accounts/${ids.jpySettled}/invoices?period=2026-12`, undefined, TOKENS.finance)).body.items[0];
    expect(next).toMatchObject({ subtotalMinor: 700, creditAppliedMinor: 500, totalMinor: 200 });
    expect(await creditBalance(ids.jpySettled)).toBe(0);
  });

  it('dead-letters a settlement it cannot apply (a credit note invoicing never issued) and goes on with the next', async () => {
    const unknown = createEvent(CreditNoteSettledV1, meta(ids.jpySettled, { producer: 'payments' }), {
      creditNoteId: randomUUID(),
      creditNoteNumber: 'CN-2027-01-999999',
      invoiceId: invoices.jpySettled.invoiceId,
      invoiceNumber: invoices.jpySettled.invoiceNumber,
      currency: 'JPY',
      totalMinor: 100,
      appliedToOutstandingMinor: 0,
      refundMinor: 0,
      accountCreditMinor: 100,
      outstandingAfterMinor: 0,
      settledAt: '2027-01-03T00:11:00.000Z',
    });
    const after = createEvent(ChargeSucceededV1, meta(ids.jpySettled), {
      invoiceId: invoices.jpySettled.invoiceId,
      invoiceNumber: invoices.jpySettled.invoiceNumber,
      attempt: 1,
      amountMinor: 1,
      currency: 'JPY',
      paymentMethodId: 'pm_card_visa',
      providerPaymentIntentId: 'pi_2',
      providerChargeId: 'ch_2',
      succeededAt: '2027-01-03T00:12:00.000Z',
    });
    const balance = await creditBalance(ids.jpySettled);
    await produce(service.deployment, TOPICS.payments, [unknown, after]);
    const dead = await readTopic(topicName(service.deployment.prefix, TOPICS.deadLetter), { until: (seen) => seen.some((m) => m.value?.includes(unknown.eventId)) });
    const letter = dead.find((m) => m.value?.includes(unknown.eventId))!;
    expect(letter.headers['dlq-reason']).toBe('handler_error');
    expect(letter.headers['dlq-detail']).toContain('no credit note');
    await consumed(after.eventId);
    expect(await creditBalance(ids.jpySettled)).toBe(balance);
  });

  it('documents the three endpoints in the OpenAPI document', async () => {
    const docs = (await api(service.url, 'GET', '/docs-json', undefined, null)).body;
    const responses = (path: string, method: string) => Object.keys(docs.paths[path][method].responses).sort();
    expect(responses('/v1/invoices/{invoiceId}/credit-notes', 'post')).toEqual(['201', '400', '401', '403', '404', '409', '422']);
    expect(responses('/v1/invoices/{invoiceId}/credit-notes', 'get')).toEqual(['200', '400', '401', '403', '404']);
    expect(responses('/v1/invoices/{invoiceId}/void', 'post')).toEqual(['201', '400', '401', '403', '404', '409']);
    expect(docs.paths['/v1/invoices/{invoiceId}/credit-notes'].post.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['Idempotency-Key', 'invoiceId']);
  });
});
