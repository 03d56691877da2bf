import { Logger, LoggerService } from '@nestjs/common';
import Stripe from 'stripe';
import { FakeStripe, KeyBehavior, RecordedRequest } from './helpers/fake-stripe';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  projectWithConfig,
  registerDeveloper,
  setupWebhookEndpoint,
  validateCredentials,
} from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

const TIMEOUT_MS = 1000;
const EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice_payment.paid',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
];

/** The key travels in the Authorization header and nowhere else. */
function expectKeyOnlyInAuthorization(requests: RecordedRequest[], key: string): void {
  expect(requests.length).toBeGreaterThan(0);
  for (const req of requests) {
    expect(req.headers.authorization).toBe(`Bearer ${key}`);
    const { authorization: _auth, ...otherHeaders } = req.headers;
    expect(req.path + req.body + JSON.stringify(otherHeaders)).not.toContain(key.slice(8));
  }
}

describe('Talking to Stripe: validate-credentials and webhook endpoint setup (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  let dev: Developer;

  beforeAll(async () => {
    ({ t, stripe, dev } = await startAppWithFakeStripe({ env: { STRIPE_TIMEOUT_MS: String(TIMEOUT_MS) } }));
  });
  afterAll(() => t?.close());
  beforeEach(() => stripe.reset());

  describe('validate-credentials outcomes', () => {
    let projectId: string;
    beforeAll(async () => {
      projectId = await createProject(t, dev);
    });
    const validate = (secret_key: string, is_test_mode = true) =>
      validateCredentials(t, dev, projectId, { secret_key, is_test_mode });

    it('a good key is valid, checked with one balance read', async () => {
      const key = fakeKey('rk_test_');
      stripe.validKeys.add(key);
      const res = await validate(key).expect(200);
      expect(res.body).toEqual({ valid: true, message: 'Stripe credentials are valid' });
      expect(stripe.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/balance']);
      expectKeyOnlyInAuthorization(stripe.requests, key);
    });

    const outcomes: [string, KeyBehavior, RegExp][] = [
      ['an expired key (api_key_expired)', { kind: 'expired' }, /^the API key has expired$/],
      [
        'a restricted key without the permission (403)',
        { kind: 'permission', permission: 'rak_balance_read' },
        /^The restricted key is missing the permission rak_balance_read/,
      ],
      ['rate limited (429)', { kind: 'rate_limited' }, /^rate limited by Stripe, try again later$/],
    ];

    it.each(outcomes)('%s: valid false with its own message', async (_name, behavior, message) => {
      const key = fakeKey('sk_test_');
      stripe.behaviors.set(key, behavior);
      const res = await validate(key).expect(200);
      expect(res.body).toEqual({ valid: false, message: expect.stringMatching(message) });
      // Only what the developer needs: no key (even masked), no account id.
      expect(res.body.message).not.toMatch(/sk_test_|acct_|\*\*\*/);
      expect(stripe.requests).toHaveLength(1);
    });

    it('an unknown key (401) is "invalid API key", never "expired"', async () => {
      const res = await validate(fakeKey('sk_test_')).expect(200);
      // The exact wording.
      expect(res.body).toEqual({ valid: false, message: 'invalid API key' });
    });

    it('rate limiting is never reported as an invalid key', async () => {
      const key = fakeKey('sk_test_');
      stripe.behaviors.set(key, { kind: 'rate_limited' });
      const res = await validate(key).expect(200);
      expect(res.body.message).not.toMatch(/invalid/i);
    });

    it('a Stripe server error is 502 with a detail', async () => {
      const key = fakeKey('sk_test_');
      stripe.behaviors.set(key, { kind: 'server_error' });
      const res = await validate(key).expect(502);
      expect(res.body).toEqual({ detail: 'Stripe returned a server error, try again later' });
    });

    it('a dropped connection is 502 with a detail, and is not retried', async () => {
      const key = fakeKey('sk_test_');
      stripe.behaviors.set(key, { kind: 'reset' });
      const res = await validate(key).expect(502);
      expect(res.body).toEqual({ detail: 'Could not reach Stripe' });
      // The SDK retries a reset connection once even with maxNetworkRetries 0: not for us.
      expect(stripe.requests).toHaveLength(1);
    });

    it.each([
      ['never answers', { kind: 'hang' } as KeyBehavior],
      ['answers byte by byte for ever', { kind: 'trickle' } as KeyBehavior],
    ])('Stripe that %s: 504 within STRIPE_TIMEOUT_MS', async (_name, behavior) => {
      // Baseline: the same call answered at once, on this machine at this moment (slower when it is busy).
      const good = fakeKey('sk_test_');
      stripe.validKeys.add(good);
      const baselineStarted = Date.now();
      await validate(good).expect(200);
      const baselineMs = Date.now() - baselineStarted;
      stripe.reset();

      const key = fakeKey('sk_test_');
      stripe.behaviors.set(key, behavior);
      const started = Date.now();
      const res = await validate(key).expect(504);
      const elapsed = Date.now() - started;
      expect(res.body).toEqual({ detail: `Stripe did not answer within ${TIMEOUT_MS} ms` });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 700 + 3 * baselineMs);
      expect(stripe.requests).toHaveLength(1); // no automatic retry
    });

    it("logs what failed, never the key, Stripe's message or the account id", async () => {
      const lines: string[] = [];
      const capture = (...args: unknown[]) => void lines.push(args.map((a) => String(a)).join(' '));
      const logger: LoggerService = { log: capture, warn: capture, error: capture, debug: capture, verbose: capture };
      Logger.overrideLogger(logger);
      try {
        const key = fakeKey('rk_test_');
        stripe.behaviors.set(key, { kind: 'permission', permission: 'rak_balance_read' });
        await validate(key).expect(200);
        const expired = fakeKey('sk_test_');
        stripe.behaviors.set(expired, { kind: 'expired' });
        await validate(expired).expect(200);
        expect(lines.filter((l) => l.includes('Stripe call failed'))).toHaveLength(2);
        for (const line of lines) {
          expect(line).not.toContain(key.slice(-4));
          expect(line).not.toContain(expired.slice(-4));
          expect(line).not.toMatch(/acct_|rk_test_|sk_test_|does not have the required permissions|Expired API Key/);
        }
      } finally {
        Logger.overrideLogger(false);
      }
    });

    it('a live key checked as test mode is invalid without calling Stripe', async () => {
      const res = await validate(fakeKey('sk_live_'), true).expect(200);
      expect(res.body.valid).toBe(false);
      expect(stripe.requests).toHaveLength(0);
    });
  });

  describe('POST webhook-endpoints', () => {
    const setup = (id: string, mode = 'test') => setupWebhookEndpoint(t, dev, id, mode);
    const readConfig = async (id: string) =>
      (await t.http().get(configPath(id)).set(dev.auth).expect(200)).body as Record<string, unknown>;

    it('creates the endpoint in Stripe, stores its signing secret, and Stripe can then deliver', async () => {
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { test_secret_key: key, test_webhook_secret: fakeKey('whsec_', 32) });
      const res = await setup(id).expect(201);

      const [endpoint] = stripe.endpointsOf(key);
      expect(stripe.endpointsOf(key)).toHaveLength(1);
      const url = `https://api.example.test/api/v1/payments/stripe/webhooks/${id}/test`;
      expect(endpoint).toMatchObject({ url, enabled_events: EVENTS, metadata: { project_id: id, mode: 'test' } });
      expect(res.body).toEqual({
        id: endpoint.id,
        mode: 'test',
        url,
        enabled_events: EVENTS,
        webhook_secret_masked: `whsec_...${endpoint.secret.slice(-4)}`,
        replaced_endpoint_id: null,
      });
      expect(JSON.stringify(res.body)).not.toContain(endpoint.secret);
      expect((await readConfig(id)).test_webhook_secret_masked).toBe(`whsec_...${endpoint.secret.slice(-4)}`);
      expectKeyOnlyInAuthorization(stripe.requests, key);
      const { rows } = await t.db.query('SELECT * FROM stripe_configs WHERE project_id = $1', [id]);
      expect(rows[0].test_webhook_endpoint_id).toBe(endpoint.id);
      expect(JSON.stringify(rows[0])).not.toContain(endpoint.secret);

      // A delivery signed with the secret Stripe returned is accepted.
      const event = {
        id: 'evt_setup1',
        object: 'event',
        type: 'invoice.paid',
        created: 1_700_000_000,
        livemode: false,
      };
      const payload = JSON.stringify(event);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: endpoint.secret });
      await t
        .http()
        .post(`/api/v1/payments/stripe/webhooks/${id}/test`)
        .set('Stripe-Signature', header)
        .set('Content-Type', 'application/json')
        .send(payload)
        .expect(200);
    });

    it('storing the signing secret Stripe returned is an audited update (field name only)', async () => {
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { test_secret_key: key });
      await t
        .http()
        .post(configPath(id, 'webhook-endpoints'))
        .set(dev.auth)
        .set('X-Request-Id', 'req-webhook-setup-1')
        .send({ mode: 'test' })
        .expect(201);
      const res = await t.http().get(configPath(id, 'audit-log')).set(dev.auth).expect(200);
      expect(res.body.total).toBe(2);
      expect(res.body.items[0]).toMatchObject({
        action: 'update',
        changed_fields: ['test_webhook_secret'],
        user_id: dev.id,
        request_id: 'req-webhook-setup-1',
        client_ip: expect.stringMatching(/127\.0\.0\.1|::1/),
      });
      const [endpoint] = stripe.endpointsOf(key);
      expect(JSON.stringify(res.body)).not.toContain(endpoint.secret.slice(-8));
    });

    it('a second call updates the endpoint it created in place: one endpoint in Stripe, its secret still works', async () => {
      const key = fakeKey('sk_live_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { live_secret_key: key });
      const first = await setup(id, 'live').expect(201);
      const secret = stripe.webhookEndpoints.get(first.body.id)!.secret;
      const second = await setup(id, 'live').expect(201);

      expect(stripe.endpointsOf(key).map((e) => e.id)).toEqual([first.body.id]);
      expect(second.body).toMatchObject({
        id: first.body.id,
        replaced_endpoint_id: null,
        webhook_secret_masked: first.body.webhook_secret_masked,
      });
      expect(stripe.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /v1/webhook_endpoints',
        `POST /v1/webhook_endpoints/${first.body.id}`,
      ]);

      const event = { id: 'evt_live1', object: 'event', type: 'invoice.paid', created: 1_700_000_000, livemode: true };
      const payload = JSON.stringify(event);
      await t
        .http()
        .post(`/api/v1/payments/stripe/webhooks/${id}/live`)
        .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
        .send(payload)
        .expect(200);
    });

    it('replaces the endpoint (the old secret stops working) when its secret is no longer stored', async () => {
      const key = fakeKey('sk_live_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { live_secret_key: key });
      const first = await setup(id, 'live').expect(201);
      await t.db.query(
        'UPDATE stripe_configs SET live_webhook_secret_encrypted = NULL, live_webhook_secret_masked = NULL WHERE project_id = $1',
        [id],
      );
      const second = await setup(id, 'live').expect(201);
      expect(stripe.endpointsOf(key).map((e) => e.id)).toEqual([second.body.id]);
      expect(second.body.replaced_endpoint_id).toBe(first.body.id);
    });

    it('simultaneous calls never leave two endpoints in Stripe: one creates, the others get 409', async () => {
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      stripe.behaviors.set(key, { kind: 'delay', ms: 300 });
      const id = await projectWithConfig(t, dev, { test_secret_key: key });
      const responses = await Promise.all(Array.from({ length: 5 }, () => setup(id)));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      expect(responses.find((r) => r.status === 409)!.body).toEqual({
        detail: 'A test webhook endpoint is already being set up for this project, try again',
      });
      expect(stripe.endpointsOf(key)).toHaveLength(1);
      // The lock is released afterwards.
      stripe.behaviors.delete(key);
      await setup(id).expect(201);
      expect(stripe.endpointsOf(key)).toHaveLength(1);
    });

    it('replaces an endpoint that was already deleted in Stripe', async () => {
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { test_secret_key: key });
      const first = await setup(id).expect(201);
      stripe.webhookEndpoints.delete(first.body.id);
      const second = await setup(id).expect(201);
      expect(stripe.endpointsOf(key).map((e) => e.id)).toEqual([second.body.id]);
    });

    it('409 without a stored secret key for the mode, or without an active config; Stripe not called', async () => {
      const id = await projectWithConfig(t, dev, { test_secret_key: fakeKey('sk_test_') });
      const res = await setup(id, 'live').expect(409);
      expect(res.body).toEqual({ detail: 'No live secret key is stored: PUT live_secret_key first' });
      const bare = await createProject(t, dev);
      const none = await setup(bare).expect(409);
      expect(none.body.detail).toMatch(/no active Stripe configuration/);
      await t.http().delete(configPath(id)).set(dev.auth).expect(204);
      await setup(id).expect(409);
      expect(stripe.requests).toHaveLength(0);
    });

    it.each([
      ['invalid key', 409, undefined, /^Stripe rejected the stored test secret key: invalid API key$/],
      ['expired key', 409, { kind: 'expired' }, /the API key has expired$/],
      [
        'missing permission',
        409,
        { kind: 'permission', permission: 'rak_webhook_write' },
        /missing the permission rak_webhook_write/,
      ],
      ['rate limit', 429, { kind: 'rate_limited' }, /^rate limited by Stripe, try again later$/],
      ['server error', 502, { kind: 'server_error' }, /^Stripe returned a server error/],
      ['timeout', 504, { kind: 'hang' }, /^Stripe did not answer within 1000 ms$/],
    ] as [string, number, KeyBehavior | undefined, RegExp][])(
      'Stripe failure (%s) → %i; the stored webhook secret is kept',
      async (_name, status, behavior, detail) => {
        const key = fakeKey('sk_test_');
        const whsec = fakeKey('whsec_', 32);
        const id = await projectWithConfig(t, dev, { test_secret_key: key, test_webhook_secret: whsec });
        if (behavior) stripe.behaviors.set(key, behavior);
        const res = await setup(id).expect(status);
        expect(res.body).toEqual({ detail: expect.stringMatching(detail) });
        // Every 429 says when to retry, as the spec documents for this operation.
        if (status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(JSON.stringify(res.body)).not.toMatch(/sk_test_|acct_/);
        expect((await readConfig(id)).test_webhook_secret_masked).toBe(`whsec_...${whsec.slice(-4)}`);
      },
    );

    it('422 for a missing or unknown mode', async () => {
      const id = await createProject(t, dev);
      const res = await t.http().post(configPath(id, 'webhook-endpoints')).set(dev.auth).send({}).expect(422);
      expect(res.body.detail[0].loc).toEqual(['body', 'mode']);
      await setup(id, 'prod').expect(422);
    });

    it('owner only: 401, 403, 404, 422', async () => {
      const id = await createProject(t, dev);
      await t.http().post(configPath(id, 'webhook-endpoints')).send({ mode: 'test' }).expect(401);
      const intruder = await registerDeveloper(t);
      await setupWebhookEndpoint(t, intruder, id).expect(403);
      await setup('3fa85f64-5717-4562-b3fc-2c963f66afa6').expect(404);
      await setup('123').expect(422);
    });
  });

  describe('DELETE config removes the endpoints created this way', () => {
    it('removes them from Stripe and says so in a header', async () => {
      const testKey = fakeKey('sk_test_');
      const liveKey = fakeKey('rk_live_');
      stripe.validKeys.add(testKey).add(liveKey);
      const id = await projectWithConfig(t, dev, { test_secret_key: testKey, live_secret_key: liveKey });
      const test = await setupWebhookEndpoint(t, dev, id);
      const live = await setupWebhookEndpoint(t, dev, id, 'live');
      expect(stripe.endpointsOf(testKey).concat(stripe.endpointsOf(liveKey))).toHaveLength(2);

      const res = await t.http().delete(configPath(id)).set(dev.auth).expect(204);
      expect(stripe.endpointsOf(testKey)).toHaveLength(0);
      expect(stripe.endpointsOf(liveKey)).toHaveLength(0);
      expect(res.headers['stripe-webhook-endpoint-cleanup']).toBe(
        `test=removed ${test.body.id as string}, live=removed ${live.body.id as string}`,
      );
      const { rows } = await t.db.query('SELECT * FROM stripe_configs WHERE project_id = $1', [id]);
      expect(rows[0]).toMatchObject({
        is_active: false,
        test_webhook_endpoint_id: null,
        live_webhook_endpoint_id: null,
      });
    });

    it('a Stripe failure is reported, not fatal: deactivated, the endpoint id kept for later', async () => {
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { test_secret_key: key });
      const created = await setupWebhookEndpoint(t, dev, id);
      stripe.behaviors.set(key, { kind: 'server_error' });

      const res = await t.http().delete(configPath(id)).set(dev.auth).expect(204);
      expect(res.headers['stripe-webhook-endpoint-cleanup']).toBe(
        `test=failed ${created.body.id as string} (Stripe returned a server error, try again later)`,
      );
      const { rows } = await t.db.query('SELECT * FROM stripe_configs WHERE project_id = $1', [id]);
      expect(rows[0]).toMatchObject({ is_active: false, test_webhook_endpoint_id: created.body.id });
      expect(stripe.endpointsOf(key)).toHaveLength(1);
    });

    it('no header and no Stripe call when no endpoint was created', async () => {
      const id = await projectWithConfig(t, dev, { test_secret_key: fakeKey('sk_test_') });
      const res = await t.http().delete(configPath(id)).set(dev.auth).expect(204);
      expect(res.headers['stripe-webhook-endpoint-cleanup']).toBeUndefined();
      expect(stripe.requests).toHaveLength(0);
    });
  });
});
