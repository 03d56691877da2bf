import { EXAMPLE_CREDENTIALS } from '../src/stripe-config/example-credentials';
import { FakeStripe } from './helpers/fake-stripe';
import {
  configPath,
  createProject,
  type Developer,
  fakeKey,
  putConfig,
  setupWebhookEndpoint,
  uniqueEmail,
  validateCredentials,
} from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

/** Wrong inputs a real client sends, each answered with a 4xx that says what is wrong. */
describe('wrong inputs say what is wrong', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let stripe: FakeStripe;

  beforeAll(async () => {
    ({ t, stripe, dev } = await startAppWithFakeStripe());
    projectId = await createProject(t, dev);
  });
  afterAll(() => t?.close());
  beforeEach(() => stripe.reset());

  describe('Content-Type', () => {
    const JSON_ONLY = 'Content-Type must be application/json';
    const bodies = () => [
      { method: 'post' as const, path: '/api/v1/auth/register', auth: false },
      { method: 'post' as const, path: '/api/v1/projects/', auth: true },
      { method: 'put' as const, path: configPath(projectId), auth: true },
      { method: 'post' as const, path: configPath(projectId, 'validate-credentials'), auth: true },
      { method: 'post' as const, path: configPath(projectId, 'webhook-endpoints'), auth: true },
    ];

    it('a JSON body sent as text/plain (what a generated client did for login) is a 415 naming the expected types', async () => {
      for (const { method, path, auth } of bodies()) {
        const req = t.http()[method](path).set('Content-Type', 'text/plain');
        if (auth) req.set(dev.auth);
        const res = await req.send('{"name":"x"}');
        expect({ path, status: res.status, body: res.body }).toEqual({
          path,
          status: 415,
          body: { detail: `${JSON_ONLY} (got text/plain)` },
        });
      }
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ email: dev.email, password: dev.password }))
        .expect(415);
      expect(login.body).toEqual({
        detail: 'Content-Type must be application/json or application/x-www-form-urlencoded (got text/plain)',
      });
    });

    it('no Content-Type (or no body at all) is a 415 too; the form is refused where only JSON is taken', async () => {
      const missing = await t.http().post('/api/v1/projects/').set(dev.auth).expect(415);
      expect(missing.body).toEqual({ detail: `${JSON_ONLY} (no Content-Type was sent)` });
      const form = await t.http().post('/api/v1/projects/').set(dev.auth).type('form').send({ name: 'x' }).expect(415);
      expect(form.body).toEqual({ detail: `${JSON_ONLY} (got application/x-www-form-urlencoded)` });
      // Nothing was created by either.
      const listed = await t.http().get('/api/v1/projects/').set(dev.auth).expect(200);
      expect(listed.body).toHaveLength(1);
    });

    it('login still takes JSON and the OAuth2 form; JSON with a charset is JSON', async () => {
      await t
        .http()
        .post('/api/v1/auth/login')
        .type('form')
        .send({ username: dev.email, password: dev.password })
        .expect(200);
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ email: dev.email, password: dev.password }))
        .expect(200);
    });
  });

  describe('a body sent to no route', () => {
    it('is read as a route at that path would read it: raw up to 1 MiB under the webhook receiver, else JSON up to 64 KiB', async () => {
      const body = JSON.stringify({ padding: 'x'.repeat(100 * 1024) });
      for (const path of ['/api/v1/payments/stripe/webhooks/only-one-segment', '/API/V1/Payments/Stripe/Webhooks']) {
        const res = await t.http({ validate: false }).post(path).set('Content-Type', 'application/json').send(body);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
      const elsewhere = await t
        .http({ validate: false })
        .post('/api/v1/payments/stripe/webhookz/x/test')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(413);
      expect(elsewhere.body).toEqual({ detail: 'Request body too large' });
    });
  });

  describe('validate-credentials', () => {
    it('a publishable key is a 422 saying a secret or restricted key is expected, without calling Stripe', async () => {
      const res = await validateCredentials(t, dev, projectId, { secret_key: fakeKey('pk_test_') }).expect(422);
      expect(res.body).toEqual({
        detail: [
          {
            loc: ['body', 'secret_key'],
            msg: 'secret_key expects a secret (sk_) or restricted (rk_) key, but a publishable key (pk_) was given',
            type: 'value_error',
          },
        ],
      });
      expect(stripe.requests).toEqual([]);
    });
  });

  describe("the documentation's example credentials", () => {
    it('PUT stores them as test-mode credentials only; in a live field they are refused', async () => {
      const id = await createProject(t, dev, 'Example keys');
      const put = await putConfig(t, dev, id, EXAMPLE_CREDENTIALS).expect(200);
      expect(put.body).toMatchObject({
        has_test_credentials: true,
        has_live_credentials: false,
        live_secret_key_masked: null,
      });
      const live = await putConfig(t, dev, id, { live_secret_key: 'sk_live_EXAMPLEdocsOnlyNotARealKey0000' }).expect(
        422,
      );
      expect(live.body.detail[0]).toMatchObject({ loc: ['body', 'live_secret_key'], type: 'example_in_live_field' });
      expect(JSON.stringify(live.body)).not.toContain('EXAMPLEdocs');
    });

    it('are never sent to Stripe: validate answers valid=false, webhook setup 409', async () => {
      const id = await createProject(t, dev, 'Example keys 2');
      await putConfig(t, dev, id, EXAMPLE_CREDENTIALS).expect(200);
      const validated = await validateCredentials(t, dev, id, {
        secret_key: EXAMPLE_CREDENTIALS.test_secret_key,
        is_test_mode: true,
      }).expect(200);
      expect(validated.body.valid).toBe(false);
      expect(validated.body.message).toContain("documentation's example");
      const endpoint = await setupWebhookEndpoint(t, dev, id).expect(409);
      expect(endpoint.body.detail).toContain("documentation's example");
      expect(stripe.requests).toEqual([]);
    });
  });

  describe('role headers of the DevKit4AI docs', () => {
    const users = async (email: string) => (await t.db.query('SELECT role FROM users WHERE email = $1', [email])).rows;

    it('end-user registration (X-Developer-Key + X-Project-ID) is refused with 400, and no developer is created', async () => {
      const email = uniqueEmail();
      const res = await t
        .http()
        .post('/api/v1/auth/register')
        .set('X-Developer-Key', 'ak_your_developer_key_here')
        .set('X-Project-ID', projectId)
        .send({ email, password: 'SecurePass123', full_name: 'Jane Doe' })
        .expect(400);
      expect(res.body.detail).toMatch(/^End-user accounts are not supported/);
      expect(res.body.detail).not.toContain('ak_your');
      expect(await users(email)).toEqual([]);
    });

    it('X-User-Role other than developer is refused, on any developer operation', async () => {
      const res = await t.http().get('/api/v1/auth/me').set(dev.auth).set('X-User-Role', 'end_user').expect(400);
      expect(res.body.detail).toMatch(/^X-User-Role "end_user" is not supported/);
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('X-Project-ID', projectId)
        .send({ email: dev.email, password: dev.password })
        .expect(400);
      await t.http().get(configPath(projectId)).set(dev.auth).set('X-Project-ID', projectId).expect(400);
    });

    it("a developer's headers are honoured: X-Operator-Key registers a developer, X-User-Role: developer + X-Developer-Key create a project", async () => {
      const email = uniqueEmail();
      const res = await t
        .http()
        .post('/api/v1/auth/register')
        .set('X-Operator-Key', 'your_operator_key_here')
        .send({ email, password: 'SecurePass123' })
        .expect(201);
      expect(res.body.role).toBe('developer');
      await t
        .http()
        .post('/api/v1/projects/')
        .set(dev.auth)
        .set('X-User-Role', 'developer')
        .set('X-Developer-Key', 'ak_abc123XYZ-_789def456ghi012jkl345')
        .send({ name: 'With role headers' })
        .expect(201);
    });
  });
});
