import Stripe from 'stripe';
import { FakeStripe } from './helpers/fake-stripe';
import { LogCapture } from './helpers/log-capture';
import { configPath, Developer, fakeKey, projectWithConfig, putConfig, setupWebhookEndpoint } from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

const TIMEOUT_MS = 400;
/** Later than the service's deadline: Stripe does the work, the service has given up. */
const LATE_MS = TIMEOUT_MS + 400;

/**
 * Webhook endpoints in Stripe after time-outs and retries (no orphans), and DELETE config when a stored
 * key cannot be decrypted (204, reported, logged). Logs are captured, so this file has its own app.
 */
describe('Webhook endpoints: no orphans in Stripe, and DELETE config with an undecryptable key (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;
  let stripe: FakeStripe;
  let dev: Developer;

  beforeAll(async () => {
    ({ t, stripe, dev } = await startAppWithFakeStripe({
      env: { STRIPE_TIMEOUT_MS: String(TIMEOUT_MS), RATE_LIMIT_STRIPE: '0' },
      logDestination: logs,
    }));
  });
  afterAll(() => t?.close());
  beforeEach(() => stripe.reset());

  async function projectWithKey(mode: 'test' | 'live' = 'test'): Promise<{ id: string; key: string }> {
    const key = fakeKey(`sk_${mode}_`);
    stripe.validKeys.add(key);
    const id = await projectWithConfig(t, dev, { [`${mode}_secret_key`]: key });
    return { id, key };
  }
  const setup = (id: string, mode = 'test') => setupWebhookEndpoint(t, dev, id, mode);
  const deleteConfig = (id: string) => t.http().delete(configPath(id)).set(dev.auth).expect(204);
  const storedRow = async (id: string) =>
    (await t.db.query('SELECT * FROM stripe_configs WHERE project_id = $1', [id])).rows[0] as Record<string, unknown>;
  /** Lets the late answers of the fake go out, so that nothing is still in flight. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, LATE_MS - TIMEOUT_MS + 100));

  /** A signed delivery to the project's URL: accepted only with the secret the service stored. */
  async function expectStoredSecretIs(id: string, secret: string, mode = 'test'): Promise<void> {
    const payload = JSON.stringify({
      id: `evt_${Date.now()}`,
      object: 'event',
      type: 'invoice.paid',
      created: Math.floor(Date.now() / 1000),
      livemode: mode === 'live',
      data: { object: {} },
    });
    await t
      .http()
      .post(`/api/v1/payments/stripe/webhooks/${id}/${mode}`)
      .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
      .set('Content-Type', 'application/json')
      .send(payload)
      .expect(200);
  }

  describe('creating the endpoint times out although Stripe created it', () => {
    it('timeout, then a retry: exactly one endpoint in Stripe, and its secret is the one stored', async () => {
      const { id, key } = await projectWithKey();
      stripe.answerLate(LATE_MS);
      const first = await setup(id).expect(504);
      expect(first.body).toEqual({ detail: `Stripe did not answer within ${TIMEOUT_MS} ms` });
      expect(stripe.endpointsOf(key)).toHaveLength(1); // Stripe did create it
      // Retried at once, while Stripe's late answer to the first call is still on its way.
      const retry = await setup(id).expect(201);
      const endpoints = stripe.endpointsOf(key);
      expect(endpoints.map((e) => e.id)).toEqual([retry.body.id]);
      expect((await storedRow(id)).test_webhook_endpoint_id).toBe(retry.body.id);
      await expectStoredSecretIs(id, endpoints[0].secret);
    });

    it('two timeouts, then success: exactly one endpoint; DELETE config then removes it', async () => {
      const { id, key } = await projectWithKey('live');
      stripe.answerLate(LATE_MS, { times: 2 });
      await setup(id, 'live').expect(504);
      await setup(id, 'live').expect(504);
      await settle();
      const ok = await setup(id, 'live').expect(201);
      expect(stripe.endpointsOf(key).map((e) => e.id)).toEqual([ok.body.id]);
      await expectStoredSecretIs(id, stripe.endpointsOf(key)[0].secret, 'live');

      const res = await deleteConfig(id);
      expect(res.headers['stripe-webhook-endpoint-cleanup']).toBe(`live=removed ${ok.body.id as string}`);
      expect(stripe.endpointsOf(key)).toHaveLength(0);
    });

    it('timeout, then DELETE config without a retry: the endpoint Stripe created is found and removed', async () => {
      const { id, key } = await projectWithKey();
      stripe.answerLate(LATE_MS);
      await setup(id).expect(504);
      await settle();
      const [orphan] = stripe.endpointsOf(key);
      expect(orphan).toBeDefined();

      const res = await deleteConfig(id);
      expect(res.headers['stripe-webhook-endpoint-cleanup']).toBe(`test=removed ${orphan.id}`);
      expect(stripe.endpointsOf(key)).toHaveLength(0);
      // Nothing left to clean up: a second DELETE does not call Stripe.
      stripe.reset();
      const again = await deleteConfig(id);
      expect(again.headers['stripe-webhook-endpoint-cleanup']).toBeUndefined();
      expect(stripe.requests).toHaveLength(0);
    });

    it('timeout, a PUT in between (new attempt), then a retry: the earlier orphan is found and deleted', async () => {
      const { id, key } = await projectWithKey();
      stripe.answerLate(LATE_MS);
      await setup(id).expect(504);
      await settle();
      await putConfig(t, dev, id, { test_publishable_key: fakeKey('pk_test_') }).expect(200);
      const ok = await setup(id).expect(201);
      expect(stripe.endpointsOf(key).map((e) => e.id)).toEqual([ok.body.id]);
      await expectStoredSecretIs(id, stripe.endpointsOf(key)[0].secret);
    });

    /** Without its stored secret, the next setup replaces the endpoint instead of updating it in place. */
    const forgetWebhookSecret = (id: string) =>
      t.db.query(
        'UPDATE stripe_configs SET test_webhook_secret_encrypted = NULL, test_webhook_secret_masked = NULL WHERE project_id = $1',
        [id],
      );

    it('a replacement that times out, then a retry: one endpoint, the old one gone', async () => {
      const { id, key } = await projectWithKey();
      const original = await setup(id).expect(201);
      await forgetWebhookSecret(id); // else the endpoint is updated in place, not replaced
      stripe.answerLate(LATE_MS);
      await setup(id).expect(504);
      await settle();
      const ok = await setup(id).expect(201);
      expect(ok.body.id).not.toBe(original.body.id);
      expect(stripe.endpointsOf(key).map((e) => e.id)).toEqual([ok.body.id]);
      await expectStoredSecretIs(id, stripe.endpointsOf(key)[0].secret);
    });

    it('leaves alone the endpoints of other projects and endpoints the developer made with the same key', async () => {
      const { id, key } = await projectWithKey();
      const other = await projectWithConfig(t, dev, { test_secret_key: key });
      const otherEndpoint = await setup(other).expect(201);
      const own = await new Stripe(key, {
        host: '127.0.0.1',
        port: Number(new URL(stripe.url).port),
        protocol: 'http',
      }).webhookEndpoints.create({ url: 'https://developer.example.test/hook', enabled_events: ['charge.succeeded'] });

      stripe.answerLate(LATE_MS);
      await setup(id).expect(504);
      await settle();
      const ok = await setup(id).expect(201);
      expect(
        stripe
          .endpointsOf(key)
          .map((e) => e.id)
          .sort(),
      ).toEqual([ok.body.id, otherEndpoint.body.id, own.id].sort());
      await deleteConfig(id);
      expect(
        stripe
          .endpointsOf(key)
          .map((e) => e.id)
          .sort(),
      ).toEqual([otherEndpoint.body.id, own.id].sort());
    });

    it('sends an Idempotency-Key, the same for the retry of one attempt and a new one after a success', async () => {
      const { id } = await projectWithKey();
      stripe.answerLate(LATE_MS);
      await setup(id).expect(504);
      await settle();
      await setup(id).expect(201);
      await forgetWebhookSecret(id); // else the endpoint is updated in place, not created again
      await setup(id).expect(201);
      const keys = stripe.requests
        .filter((r) => r.method === 'POST' && r.path === '/v1/webhook_endpoints')
        .map((r) => r.headers['idempotency-key']);
      expect(keys).toHaveLength(3);
      expect(keys[0]).toEqual(expect.any(String));
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[1]);
    });
  });

  describe('DELETE config when a stored secret key cannot be decrypted', () => {
    const causes: [string, string][] = [
      // The key id of the value is no longer in ENCRYPTION_KEYS (dropped before rotation finished).
      [
        'a key id removed from ENCRYPTION_KEYS',
        `regexp_replace(test_secret_key_encrypted, '^v1:[^:]+:', 'v1:retired:')`,
      ],
      // The cell was damaged: the authentication tag no longer matches.
      ['a corrupted cell', `regexp_replace(test_secret_key_encrypted, ':[^:]+$', ':AAAAAAAAAAAAAAAAAAAAAA==')`],
    ];

    it.each(causes)(
      '%s, with a webhook endpoint to remove: 204, deactivated, the failure named in the header and logged',
      async (_cause, corrupt) => {
        const { id, key } = await projectWithKey();
        const created = await setup(id).expect(201);
        await t.db.query(`UPDATE stripe_configs SET test_secret_key_encrypted = ${corrupt} WHERE project_id = $1`, [
          id,
        ]);
        const logStart = logs.lines.length;

        const res = await deleteConfig(id);
        expect(res.headers['stripe-webhook-endpoint-cleanup']).toBe(
          `test=failed ${created.body.id as string} (the stored test secret key cannot be decrypted)`,
        );
        expect(await storedRow(id)).toMatchObject({
          is_active: false,
          test_webhook_endpoint_id: created.body.id,
        });
        const { rows } = await t.db.query(
          `SELECT action FROM audit_log WHERE project_id = $1 ORDER BY created_at DESC LIMIT 1`,
          [id],
        );
        expect(rows[0].action).toBe('deactivate');
        const lines = logs.lines.slice(logStart).join('\n');
        expect(lines).toMatch(/test_secret_key of project [0-9a-f-]+ cannot be decrypted \(.+\)/);
        expect(lines).toContain(created.body.id as string);
        expect(lines).not.toContain(key.slice(8));
        // The endpoint is still in Stripe (reported, not lost): a PUT of the key and a second DELETE remove it.
        expect(stripe.endpointsOf(key)).toHaveLength(1);
        await putConfig(t, dev, id, { test_secret_key: key }).expect(200);
        const again = await deleteConfig(id);
        expect(again.headers['stripe-webhook-endpoint-cleanup']).toBe(`test=removed ${created.body.id as string}`);
        expect(stripe.endpointsOf(key)).toHaveLength(0);
      },
    );

    it.each(causes)(
      '%s: creating a webhook endpoint is a 409 naming the cause, Stripe not called',
      async (_cause, corrupt) => {
        const { id } = await projectWithKey();
        await t.db.query(`UPDATE stripe_configs SET test_secret_key_encrypted = ${corrupt} WHERE project_id = $1`, [
          id,
        ]);
        const res = await setup(id).expect(409);
        expect(res.body).toEqual({
          detail: 'The stored test secret key cannot be decrypted: PUT test_secret_key again',
        });
        expect(stripe.requests).toHaveLength(0);
      },
    );

    it.each(causes)('%s, with nothing to remove in Stripe: 204, deactivated, no header', async (_cause, corrupt) => {
      const { id } = await projectWithKey();
      await t.db.query(`UPDATE stripe_configs SET test_secret_key_encrypted = ${corrupt} WHERE project_id = $1`, [id]);
      const res = await deleteConfig(id);
      expect(res.headers['stripe-webhook-endpoint-cleanup']).toBeUndefined();
      expect((await storedRow(id)).is_active).toBe(false);
      expect(stripe.requests).toHaveLength(0);
    });
  });
});
