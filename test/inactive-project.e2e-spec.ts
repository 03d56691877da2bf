import Stripe from 'stripe';
import { configPath, Developer, fakeKey, putConfig, testEventPayload } from './helpers/fixtures';
import { configSnapshot } from './helpers/stored-config';
import { startAppWithWebhookSecret, TestApp } from './helpers/test-app';

/** `projects.is_active = false` means "this project is off": no writes but deactivation, no webhook deliveries. */
describe('An inactive project (projects.is_active = false) is off (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let secret: string;

  beforeAll(async () => {
    ({ t, dev, projectId, secret } = await startAppWithWebhookSecret({ test_secret_key: fakeKey('sk_test_') }));
    await t.db.query('UPDATE projects SET is_active = false WHERE id = $1', [projectId]);
  });
  afterAll(() => t?.close());

  it('is shown with is_active false and its configuration can still be read', async () => {
    const project = await t.http().get(`/api/v1/projects/${projectId}`).set(dev.auth).expect(200);
    expect(project.body.is_active).toBe(false);
    const config = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
    expect(config.body.test_webhook_secret_masked).toMatch(/^whsec_\.\.\./);
  });

  it.each([
    ['PUT config', 'put', 'config', { test_publishable_key: fakeKey('pk_test_') }],
    ['POST validate-credentials', 'post', 'validate-credentials', { secret_key: fakeKey('sk_test_') }],
    ['POST webhook-endpoints', 'post', 'webhook-endpoints', { mode: 'test' }],
  ] as const)('%s → 409, nothing written', async (_name, method, suffix, body) => {
    const before = await configSnapshot(t.db, projectId);
    const res = await t.http()[method](configPath(projectId, suffix)).set(dev.auth).send(body).expect(409);
    expect(res.body).toEqual({ detail: 'The project is inactive: nothing can be added to or changed in it' });
    expect(await configSnapshot(t.db, projectId)).toBe(before);
  });

  it('a correctly signed webhook delivery → 400 "The project is inactive", nothing stored', async () => {
    const payload = testEventPayload();
    const res = await t
      .http()
      .post(`/api/v1/payments/stripe/webhooks/${projectId}/test`)
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
      .send(payload)
      .expect(400);
    expect(res.body).toEqual({ detail: 'The project is inactive' });
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM stripe_webhook_events WHERE project_id = $1', [
      projectId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('its configuration can still be deactivated (DELETE → 204); active again, writes work again', async () => {
    await t.http().delete(configPath(projectId)).set(dev.auth).expect(204);
    await t.db.query('UPDATE projects SET is_active = true WHERE id = $1', [projectId]);
    await putConfig(t, dev, projectId, { test_publishable_key: fakeKey('pk_test_') }).expect(200);
  });
});
