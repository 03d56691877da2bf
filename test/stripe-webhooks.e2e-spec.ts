import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  projectWithConfig,
  putConfig,
  registerDeveloper,
} from './helpers/fixtures';
import { startAppWithWebhookSecret, TestApp } from './helpers/test-app';

const UNKNOWN_PROJECT = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const webhookPath = (projectId: string, mode: string) => `/api/v1/payments/stripe/webhooks/${projectId}/${mode}`;

function stripeEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2025-03-31.basil',
    created: Math.floor(Date.now() / 1000) - 5,
    livemode: false,
    type: 'invoice.paid',
    data: { object: { id: 'in_1Example', object: 'invoice', amount_paid: 2000, currency: 'usd' } },
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    ...overrides,
  };
}

/** Stripe's signature header for `payload`, made the way Stripe makes it (the SDK's test helper). */
function sign(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

function v1Of(header: string): string {
  return /v1=([0-9a-f]+)/.exec(header)![1];
}

describe('Stripe webhook receiver and webhook events (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let testSecret: string;
  let liveSecret: string;

  function deliver(id: string, mode: string, payload: string, signature?: string) {
    const req = t.http().post(webhookPath(id, mode)).set('Content-Type', 'application/json; charset=utf-8');
    if (signature !== undefined) req.set('Stripe-Signature', signature);
    return req.send(payload);
  }

  async function storedEvents(id: string): Promise<Record<string, unknown>[]> {
    const { rows } = await t.db.query(
      'SELECT event_id, event_type, mode, stripe_created_at, received_at, payload FROM stripe_webhook_events WHERE project_id = $1',
      [id],
    );
    return rows;
  }

  beforeAll(async () => {
    liveSecret = fakeKey('whsec_', 32);
    ({ t, dev, projectId, secret: testSecret } = await startAppWithWebhookSecret({ live_webhook_secret: liveSecret }));
  });
  afterAll(() => t?.close());

  describe('receiving', () => {
    it('accepts a correctly signed event without a bearer token and stores it', async () => {
      const event = stripeEvent();
      // Pretty-printed, as Stripe sends it: the signature covers these exact bytes.
      const payload = JSON.stringify(event, null, 2);
      const res = await deliver(projectId, 'test', payload, sign(payload, testSecret)).expect(200);
      expect(res.body).toEqual({ received: true, duplicate: false });

      const rows = (await storedEvents(projectId)).filter((r) => r.event_id === event.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ event_type: 'invoice.paid', mode: 'test', payload: event });
      expect((rows[0].stripe_created_at as Date).getTime()).toBe((event.created as number) * 1000);
      expect(Math.abs((rows[0].received_at as Date).getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('verifies the raw bytes: odd whitespace and non-ASCII survive, any other content type too', async () => {
      const event = stripeEvent({ data: { object: { description: 'Café ☕ — 10 €' } } });
      const payload = `{\n"id":   "${event.id as string}",\r\n ${JSON.stringify(event).slice(1)}`;
      await t
        .http()
        .post(webhookPath(projectId, 'test'))
        .set('Content-Type', 'text/plain')
        .set('Stripe-Signature', sign(payload, testSecret))
        .send(payload)
        .expect(200);
      const rows = (await storedEvents(projectId)).filter((r) => r.event_id === event.id);
      expect((rows[0].payload as { data: { object: { description: string } } }).data.object.description).toBe(
        'Café ☕ — 10 €',
      );
    });

    it('accepts a live event on the live URL, verified with the live secret', async () => {
      const event = stripeEvent({ livemode: true, type: 'checkout.session.completed' });
      const payload = JSON.stringify(event);
      await deliver(projectId, 'live', payload, sign(payload, liveSecret)).expect(200);
      // The test secret does not verify live deliveries.
      const other = JSON.stringify(stripeEvent({ livemode: true }));
      const res = await deliver(projectId, 'live', other, sign(other, testSecret)).expect(400);
      expect(res.body.detail).toMatch(/No valid signature/);
    });

    it('passes when any of several v1 signatures matches (old and new secret overlapping)', async () => {
      const payload = JSON.stringify(stripeEvent());
      const timestamp = Math.floor(Date.now() / 1000);
      const old = v1Of(sign(payload, fakeKey('whsec_', 32), timestamp));
      const current = v1Of(sign(payload, testSecret, timestamp));
      await deliver(projectId, 'test', payload, `t=${timestamp},v1=${old},v1=${current},v0=abc`).expect(200);
      await deliver(projectId, 'test', payload, `t=${timestamp},v1=${old}`).expect(400);
    });

    // The service reads its clock some time after the test signs (whole seconds on both sides; seconds
    // later on a busy machine), so the timestamps keep 5 s from the boundary and are taken per request.
    it('accepts a timestamp 295 s old and refuses one 305 s old or 305 s ahead (tolerance 300 s)', async () => {
      const now = () => Math.floor(Date.now() / 1000);
      const fresh = JSON.stringify(stripeEvent());
      await deliver(projectId, 'test', fresh, sign(fresh, testSecret, now() - 295)).expect(200);
      const stale = JSON.stringify(stripeEvent());
      const res = await deliver(projectId, 'test', stale, sign(stale, testSecret, now() - 305)).expect(400);
      expect(res.body).toEqual({ detail: 'Timestamp outside the tolerance zone (300 s)' });
      const future = JSON.stringify(stripeEvent());
      await deliver(projectId, 'test', future, sign(future, testSecret, now() + 305)).expect(400);
      const rows = await storedEvents(projectId);
      const ids = rows.map((r) => r.event_id);
      expect(ids).toContain(JSON.parse(fresh).id);
      expect(ids).not.toContain(JSON.parse(stale).id);
      expect(ids).not.toContain(JSON.parse(future).id);
    });

    it('stores a redelivered event once and answers 200 with duplicate: true', async () => {
      const payload = JSON.stringify(stripeEvent());
      await deliver(projectId, 'test', payload, sign(payload, testSecret)).expect(200);
      const again = await deliver(projectId, 'test', payload, sign(payload, testSecret)).expect(200);
      expect(again.body).toEqual({ received: true, duplicate: true });
      const rows = (await storedEvents(projectId)).filter((r) => r.event_id === JSON.parse(payload).id);
      expect(rows).toHaveLength(1);
    });

    it('stores one row when 50 copies of an event arrive at once', async () => {
      const payload = JSON.stringify(stripeEvent({ type: 'customer.subscription.updated' }));
      const header = sign(payload, testSecret);
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => deliver(projectId, 'test', payload, header)),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      const rows = (await storedEvents(projectId)).filter((r) => r.event_id === JSON.parse(payload).id);
      expect(rows).toHaveLength(1);
    });

    it('stores the same event id separately for another project', async () => {
      const other = await createProject(t, dev, 'Other');
      const otherSecret = fakeKey('whsec_', 32);
      await putConfig(t, dev, other, { test_webhook_secret: otherSecret }).expect(200);
      const payload = JSON.stringify(stripeEvent());
      await deliver(projectId, 'test', payload, sign(payload, testSecret)).expect(200);
      const res = await deliver(other, 'test', payload, sign(payload, otherSecret)).expect(200);
      expect(res.body.duplicate).toBe(false);
      expect(await storedEvents(other)).toHaveLength(1);
    });
  });

  describe('refusals: 400 with a clear detail, nothing stored, nothing secret', () => {
    const cases: [string, (payload: string) => { mode?: string; header?: string; body?: string }, RegExp][] = [
      ['missing Stripe-Signature header', () => ({ header: undefined }), /^Missing Stripe-Signature header$/],
      ['empty Stripe-Signature header', () => ({ header: '' }), /^Missing Stripe-Signature header$/],
      ['header without a timestamp', (p) => ({ header: `v1=${v1Of(sign(p, testSecret))}` }), /^Malformed/],
      ['header without v1 signature', () => ({ header: `t=${Math.floor(Date.now() / 1000)},v0=abc` }), /^Malformed/],
      ['garbage header', () => ({ header: 'not a signature' }), /^Malformed/],
      ['non-numeric timestamp', (p) => ({ header: `t=abc,v1=${v1Of(sign(p, testSecret))}` }), /^Malformed/],
      ['signature made with another secret', (p) => ({ header: sign(p, fakeKey('whsec_', 32)) }), /No valid signature/],
      [
        'body changed after signing',
        (p) => ({ header: sign(p, testSecret), body: p.replace('invoice.paid', 'invoice.void') }),
        /No valid signature/,
      ],
      [
        'signature of the right secret over another timestamp',
        (p) => ({ header: sign(p, testSecret).replace(/t=(\d+)/, (_m, ts: string) => `t=${Number(ts) - 1}`) }),
        /No valid signature/,
      ],
      ['unknown mode', (p) => ({ mode: 'prod', header: sign(p, testSecret) }), /^Unknown mode: use test or live$/],
      [
        'a live event on the test URL',
        () => {
          const live = JSON.stringify(stripeEvent({ livemode: true }));
          return { body: live, header: sign(live, testSecret) };
        },
        /live-mode event, sent to the test-mode webhook URL/,
      ],
      [
        'a signed body that is not JSON',
        () => ({ body: 'id=evt_1&type=invoice.paid', header: sign('id=evt_1&type=invoice.paid', testSecret) }),
        /^The payload is not JSON$/,
      ],
      [
        'a signed JSON body that is not an event',
        () => ({ body: '{"hello":"world"}', header: sign('{"hello":"world"}', testSecret) }),
        /^Not a Stripe event/,
      ],
    ];

    it.each(cases)('%s', async (_name, make, detail) => {
      const payload = JSON.stringify(stripeEvent());
      const { mode = 'test', header, body = payload } = make(payload);
      const before = (await storedEvents(projectId)).length;
      const res = await deliver(projectId, mode, body, header).expect(400);
      expect(res.body).toEqual({ detail: expect.stringMatching(detail) });
      expect(JSON.stringify(res.body)).not.toContain(testSecret.slice(6));
      expect(JSON.stringify(res.body)).not.toContain(liveSecret.slice(6));
      expect(await storedEvents(projectId)).toHaveLength(before);
    });

    it('an empty body with a valid-looking header', async () => {
      const res = await t
        .http()
        .post(webhookPath(projectId, 'test'))
        .set('Stripe-Signature', sign('', testSecret))
        .expect(400);
      expect(res.body).toEqual({ detail: 'Empty request body' });
    });

    it('a stored webhook secret that cannot be decrypted: 400 naming it, never a 500', async () => {
      const id = await projectWithConfig(t, dev, { test_webhook_secret: testSecret });
      // Its encryption key retired from ENCRYPTION_KEYS before rotation reached it.
      await t.db.query(
        `UPDATE stripe_configs SET test_webhook_secret_encrypted = regexp_replace(test_webhook_secret_encrypted, '^v1:[^:]+:', 'v1:retired:') WHERE project_id = $1`,
        [id],
      );
      const payload = JSON.stringify(stripeEvent());
      const res = await deliver(id, 'test', payload, sign(payload, testSecret)).expect(400);
      expect(res.body).toEqual({
        detail: 'The test webhook secret stored for this project cannot be read; its owner must save it again',
      });
    });

    it('no webhook secret stored for the mode', async () => {
      const id = await projectWithConfig(t, dev, { test_secret_key: fakeKey('sk_test_') });
      const payload = JSON.stringify(stripeEvent());
      const res = await deliver(id, 'test', payload, sign(payload, testSecret)).expect(400);
      expect(res.body).toEqual({ detail: 'No test webhook secret is stored for this project' });
      // No configuration at all: the same answer.
      const bare = await createProject(t, dev);
      const res2 = await deliver(bare, 'live', payload, sign(payload, testSecret)).expect(400);
      expect(res2.body).toEqual({ detail: 'No live webhook secret is stored for this project' });
    });

    it('an inactive (deleted) configuration, until a PUT reactivates it', async () => {
      const id = await createProject(t, dev);
      const secret = fakeKey('whsec_', 32);
      await putConfig(t, dev, id, { test_webhook_secret: secret }).expect(200);
      await t.http().delete(configPath(id)).set(dev.auth).expect(204);
      const payload = JSON.stringify(stripeEvent());
      const res = await deliver(id, 'test', payload, sign(payload, secret)).expect(400);
      expect(res.body).toEqual({ detail: 'The Stripe configuration of this project is inactive' });
      expect(await storedEvents(id)).toHaveLength(0);
      await putConfig(t, dev, id, { test_publishable_key: fakeKey('pk_test_') }).expect(200);
      await deliver(id, 'test', payload, sign(payload, secret)).expect(200);
    });

    it('404 for an unknown project, 422 for a malformed project id', async () => {
      const payload = JSON.stringify(stripeEvent());
      const missing = await deliver(UNKNOWN_PROJECT, 'test', payload, sign(payload, testSecret)).expect(404);
      expect(missing.body).toEqual({ detail: 'Project not found' });
      const malformed = await deliver('123', 'test', payload, sign(payload, testSecret)).expect(422);
      expect(malformed.body.detail[0]).toMatchObject({ loc: ['path', 'project_id'], type: 'uuid_parsing' });
    });

    it('413 for a body over 1 MiB; JSON bodies elsewhere keep their 64 KiB limit', async () => {
      const payload = JSON.stringify(stripeEvent({ data: { object: { blob: 'x'.repeat(1024 * 1024) } } }));
      const res = await deliver(projectId, 'test', payload, sign(payload, testSecret)).expect(413);
      expect(res.body).toEqual({ detail: expect.any(String) });
      await putConfig(t, dev, projectId, { test_publishable_key: 'pk_test_' + 'a'.repeat(70 * 1024) }).expect(413);
    });
  });

  describe('GET webhook-events', () => {
    let id: string;
    const sent: Record<string, unknown>[] = [];

    beforeAll(async () => {
      id = await createProject(t, dev, 'Events');
      await putConfig(t, dev, id, { test_webhook_secret: testSecret, live_webhook_secret: liveSecret }).expect(200);
      const specs = [
        { type: 'invoice.paid', livemode: false },
        { type: 'invoice.payment_failed', livemode: false },
        { type: 'invoice.paid', livemode: true },
        { type: 'checkout.session.completed', livemode: false },
        { type: 'invoice.paid', livemode: false },
      ];
      for (const spec of specs) {
        const event = stripeEvent(spec);
        const payload = JSON.stringify(event);
        const mode = spec.livemode ? 'live' : 'test';
        await deliver(id, mode, payload, sign(payload, spec.livemode ? liveSecret : testSecret)).expect(200);
        sent.push(event);
      }
    });

    it('lists the received events newest first with their details', async () => {
      const res = await t.http().get(configPath(id, 'webhook-events')).set(dev.auth).expect(200);
      expect(res.body.total).toBe(5);
      expect(res.body.page).toBe(1);
      expect(res.body.page_size).toBe(20);
      expect(res.body.items.map((e: { event_id: string }) => e.event_id)).toEqual([...sent].reverse().map((e) => e.id));
      expect(res.body.items[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        event_id: sent[4].id,
        type: 'invoice.paid',
        mode: 'test',
        stripe_created_at: new Date((sent[4].created as number) * 1000).toISOString(),
        received_at: expect.any(String),
        payload: sent[4],
        payload_truncated: false,
        payload_size: Buffer.byteLength(JSON.stringify(sent[4])),
      });
    });

    it('paginates with page and page_size; total counts all pages', async () => {
      const page = (query: Record<string, number>) =>
        t.http().get(configPath(id, 'webhook-events')).query(query).set(dev.auth).expect(200);
      const page2 = await page({ page: 2, page_size: 2 });
      expect(page2.body).toMatchObject({ total: 5, page: 2, page_size: 2 });
      expect(page2.body.items.map((e: { event_id: string }) => e.event_id)).toEqual([sent[2].id, sent[1].id]);
      const page3 = await page({ page: 3, page_size: 2 });
      expect(page3.body.items.map((e: { event_id: string }) => e.event_id)).toEqual([sent[0].id]);
      const beyond = await page({ page: 9 });
      expect(beyond.body).toMatchObject({ items: [], total: 5 });
    });

    it('filters by mode and by type', async () => {
      const live = await t
        .http()
        .get(configPath(id, 'webhook-events'))
        .query({ mode: 'live' })
        .set(dev.auth)
        .expect(200);
      expect(live.body.total).toBe(1);
      expect(live.body.items[0]).toMatchObject({ event_id: sent[2].id, mode: 'live' });
      const paid = await t
        .http()
        .get(configPath(id, 'webhook-events'))
        .query({ mode: 'test', type: 'invoice.paid' })
        .set(dev.auth)
        .expect(200);
      expect(paid.body.items.map((e: { event_id: string }) => e.event_id)).toEqual([sent[4].id, sent[0].id]);
    });

    it('only shows the project its own events', async () => {
      const other = await createProject(t, dev, 'Empty');
      const res = await t.http().get(configPath(other, 'webhook-events')).set(dev.auth).expect(200);
      expect(res.body).toEqual({ items: [], total: 0, page: 1, page_size: 20 });
    });

    it.each([
      [{ page: 0 }, 'page'],
      [{ page: 'abc' }, 'page'],
      [{ page_size: 101 }, 'page_size'],
      [{ page_size: 0 }, 'page_size'],
      [{ mode: 'prod' }, 'mode'],
      [{ sort: 'asc' }, 'sort'],
    ])('422 for bad query %j', async (query, field) => {
      const res = await t.http().get(configPath(id, 'webhook-events')).query(query).set(dev.auth).expect(422);
      expect(res.body.detail[0].loc).toEqual(['query', field]);
    });

    it('owner only: 401 without a token, 403 for another developer, 404 unknown project, 422 malformed id', async () => {
      const anonymous = await t.http().get(configPath(id, 'webhook-events')).expect(401);
      expect(anonymous.body).toEqual({ detail: 'Not authenticated' });
      const intruder = await registerDeveloper(t);
      await t.http().get(configPath(id, 'webhook-events')).set(intruder.auth).expect(403);
      await t.http().get(configPath(UNKNOWN_PROJECT, 'webhook-events')).set(dev.auth).expect(404);
      await t.http().get(configPath('123', 'webhook-events')).set(dev.auth).expect(422);
    });

    it('a project id with broken percent-encoding is a documented 422, not an undocumented 400', async () => {
      const broken = '%E0%A4%A';
      const list = await t.http().get(configPath(broken, 'webhook-events')).set(dev.auth).expect(422);
      expect(list.body.detail[0].loc).toEqual(['path', 'project_id']);
      const config = await t.http().get(configPath(broken)).set(dev.auth).expect(422);
      expect(config.body.detail[0].loc).toEqual(['path', 'project_id']);
      await t
        .http()
        .post(webhookPath(broken, 'test'))
        .set('Stripe-Signature', 't=1,v1=00')
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(422);
    });
  });
});
