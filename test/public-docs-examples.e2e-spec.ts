import { randomUUID } from 'node:crypto';
import { FakeStripe } from './helpers/fake-stripe';
import { fakeKey, uniqueEmail } from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

/**
 * The examples of the public DevKit4AI docs (cloud-api pages: register, login, me, projects, the
 * Stripe pages), sent as written, with realistic values where the docs show placeholders
 * (`sk_test_51ABC...`). Each answer is asserted as it is here; where it differs from the docs, the
 * difference is listed, with its reason, in docs/compatibility.md (the row is named in the comment).
 */
describe('the public docs examples, run as written', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  const password = 'SecurePass123';
  const email = uniqueEmail();
  let token = '';
  let projectId = '';
  const bearer = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => ({ t, stripe } = await startAppWithFakeStripe()));
  afterAll(() => t?.close());

  it('register: "Register End User" (X-Developer-Key + X-Project-ID) is refused [end-user registration]', async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .set('X-Developer-Key', 'ak_your_developer_key_here')
      .set('X-Project-ID', '550e8400-e29b-41d4-a716-446655440000')
      .send({ email: uniqueEmail(), password, full_name: 'Jane Doe' })
      .expect(400);
    expect(res.body.detail).toMatch(/^End-user accounts are not supported/);
  });

  it('register: "Register Developer" (X-Operator-Key) creates an active developer, no provisioning [provisioning, is_active]', async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .set('X-Operator-Key', 'your_operator_key_here')
      .send({ email, password, full_name: 'John Smith' })
      .expect(201);
    expect(res.body).toMatchObject({ email, full_name: 'John Smith', role: 'developer', is_active: true });
    expect(res.body).not.toHaveProperty('provisioning');
    expect(res.body.refresh_token).toBeNull();
  });

  it('login: "Developer/Operator Login" gives an access token, no refresh token [refresh tokens]', async () => {
    const res = await t.http().post('/api/v1/auth/login').send({ email, password }).expect(200);
    expect(res.body).toEqual({ access_token: expect.any(String), refresh_token: null, token_type: 'bearer' });
    token = res.body.access_token;
    await t.http({ validate: false }).post('/api/v1/auth/refresh').send({ refresh_token: 'x' }).expect(404);
  });

  it('login: "End User Login" (X-Project-ID) is refused [end-user login]', async () => {
    await t.http().post('/api/v1/auth/login').set('X-Project-ID', randomUUID()).send({ email, password }).expect(400);
  });

  it("me: the token's user, with is_active rather than is_verified [me fields]", async () => {
    const res = await t.http().get('/api/v1/auth/me').set(bearer()).expect(200);
    expect(res.body).toMatchObject({ email, role: 'developer', is_active: true });
    expect(res.body).not.toHaveProperty('is_verified');
  });

  it('projects: create as documented (X-User-Role + X-Developer-Key) answers {id} only [create response]', async () => {
    const res = await t
      .http()
      .post('/api/v1/projects/')
      .set(bearer())
      .set('X-User-Role', 'developer')
      .set('X-Developer-Key', 'ak_abc123XYZ-_789def456ghi012jkl345')
      .send({ name: 'My SaaS Application', description: 'AI-powered content generation platform for marketing teams' })
      .expect(201);
    expect(res.body).toEqual({ id: expect.any(String) });
    projectId = res.body.id;
  });

  it('projects: name and description limits are 1-255 and 1000, not 3-100 and 500 [field limits]', async () => {
    await t.http().post('/api/v1/projects/').set(bearer()).send({ name: 'AB' }).expect(201);
    await t
      .http()
      .post('/api/v1/projects/')
      .set(bearer())
      .send({ name: 'x', description: 'd'.repeat(600) })
      .expect(201);
    const tooLong = await t
      .http()
      .post('/api/v1/projects/')
      .set(bearer())
      .send({ name: 'n'.repeat(256) })
      .expect(422);
    expect(tooLong.body.detail[0]).toMatchObject({ loc: ['body', 'name'], type: 'string_too_long' });
  });

  it('projects: list is a bare array, get is the project [list shape]', async () => {
    const list = await t.http().get('/api/v1/projects/').set(bearer()).expect(200);
    expect(Array.isArray(list.body)).toBe(true);
    const got = await t.http().get(`/api/v1/projects/${projectId}`).set(bearer()).expect(200);
    expect(got.body).toMatchObject({ id: projectId, name: 'My SaaS Application', is_active: true });
    expect(got.body).not.toHaveProperty('owner_id');
  });

  it('stripe: get-config before any PUT is null, as documented', async () => {
    const res = await t.http().get(`/api/v1/payments/stripe/projects/${projectId}/config`).set(bearer()).expect(200);
    expect(res.body).toBeNull();
  });

  it('stripe: update-config (test keys, then live keys) answers the documented masked shape', async () => {
    const base = `/api/v1/payments/stripe/projects/${projectId}/config`;
    const test = {
      test_secret_key: fakeKey('sk_test_51'),
      test_publishable_key: fakeKey('pk_test_51'),
      test_webhook_secret: fakeKey('whsec_'),
    };
    const put = await t.http().put(base).set(bearer()).send(test).expect(200);
    expect(put.body).toMatchObject({
      has_test_credentials: true,
      has_live_credentials: false,
      live_secret_key_masked: null,
    });
    expect(put.body.test_secret_key_masked).toMatch(/^sk_test_\.\.\.[A-Za-z0-9]{4}$/);
    const live = {
      live_secret_key: fakeKey('sk_live_51'),
      live_publishable_key: fakeKey('pk_live_51'),
      live_webhook_secret: fakeKey('whsec_'),
    };
    const both = await t.http().put(base).set(bearer()).send(live).expect(200);
    expect(both.body).toMatchObject({ has_test_credentials: true, has_live_credentials: true });
    // The docs' placeholders themselves ("sk_test_51ABC...") are not keys: 422 [placeholders].
    await t.http().put(base).set(bearer()).send({ test_secret_key: 'sk_test_51ABC...' }).expect(422);
  });

  it('stripe: validate-credentials answers the documented success and failure shapes', async () => {
    const path = `/api/v1/payments/stripe/projects/${projectId}/validate-credentials`;
    const good = fakeKey('sk_test_51');
    stripe.validKeys.add(good);
    const ok = await t.http().post(path).set(bearer()).send({ secret_key: good, is_test_mode: true }).expect(200);
    expect(ok.body).toEqual({ valid: true, message: 'Stripe credentials are valid' });
    const bad = await t
      .http()
      .post(path)
      .set(bearer())
      .send({ secret_key: fakeKey('sk_test_51'), is_test_mode: true })
      .expect(200);
    expect(bad.body.valid).toBe(false);
    // Not "Invalid API key provided: sk_test_...": no part of the key is echoed [validation message].
    expect(bad.body.message).toBe('invalid API key');
  });

  it('stripe: get-webhook-urls answers the documented shape', async () => {
    const res = await t
      .http()
      .get(`/api/v1/payments/stripe/projects/${projectId}/webhook-urls`)
      .set(bearer())
      .expect(200);
    expect(res.body).toEqual({
      test_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${projectId}/test`,
      live_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${projectId}/live`,
    });
  });

  it('stripe webhook: an unknown project is 404; a configured project without a webhook secret is 400, not 404 [webhook 400 vs 404]', async () => {
    const event = {
      id: 'evt_1ABC123def456',
      type: 'checkout.session.completed',
      data: { object: { id: 'cs_test_a1b2c3d4' } },
    };
    await t
      .http()
      .post(`/api/v1/payments/stripe/webhooks/${randomUUID()}/test`)
      .set('Stripe-Signature', 't=1,v1=x')
      .send(event)
      .expect(404);
    const other = await t.http().post('/api/v1/projects/').set(bearer()).send({ name: 'No Stripe' }).expect(201);
    await t
      .http()
      .put(`/api/v1/payments/stripe/projects/${other.body.id}/config`)
      .set(bearer())
      .send({ test_secret_key: fakeKey('sk_test_') })
      .expect(200);
    const res = await t
      .http()
      .post(`/api/v1/payments/stripe/webhooks/${other.body.id}/test`)
      .set('Stripe-Signature', 't=1,v1=x')
      .send(event)
      .expect(400);
    expect(res.body.detail).toBe('No test webhook secret is stored for this project');
  });

  it('stripe: delete-config answers 204, then 404 when there is none to delete', async () => {
    const base = `/api/v1/payments/stripe/projects/${projectId}/config`;
    await t.http().delete(base).set(bearer()).expect(204);
    const fresh = await t.http().post('/api/v1/projects/').set(bearer()).send({ name: 'Empty' }).expect(201);
    await t.http().delete(`/api/v1/payments/stripe/projects/${fresh.body.id}/config`).set(bearer()).expect(404);
  });
});
