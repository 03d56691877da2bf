import {
  configPath,
  createProject,
  fakeKey,
  registerDeveloper,
  setupWebhookEndpoint,
  uniqueEmail,
  validateCredentials,
} from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

const ALLOWED_ORIGIN = 'https://app.example.com';

function expectTooManyRequests(res: { status: number; body: unknown; headers: Record<string, string> }, ttl = 60) {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ detail: expect.stringMatching(/^Too many requests/) });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(ttl);
}

describe('Abuse limits (e2e): rate limits, security headers, CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        RATE_LIMIT_LOGIN: '3/60',
        RATE_LIMIT_LOGIN_IP: '6/1m',
        RATE_LIMIT_STRIPE: '2/60',
        CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://admin.example.com/`,
      },
    });
  });
  afterAll(() => t?.close());

  describe('login (per IP and email, and per IP)', () => {
    it('answers 429 with Retry-After once an email used up its attempts, for JSON and the OAuth2 form alike', async () => {
      const dev = await registerDeveloper(t);
      const login = (password: string) => t.http().post('/api/v1/auth/login').send({ email: dev.email, password });
      await login('wrong-password-1').expect(401);
      await login('wrong-password-2').expect(401);
      await login(dev.password).expect(200);
      // Even the right password is refused now: the limit counts attempts, not failures.
      expectTooManyRequests(await login(dev.password));
      expectTooManyRequests(
        await t
          .http()
          .post('/api/v1/auth/login')
          .type('form')
          .send({ username: dev.email.toUpperCase(), password: dev.password }),
      );
      // Another email from the same address is not blocked by this email's limit...
      await t.http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'whatever-123' }).expect(401);
      // ...but the address as a whole is limited too (6 attempts per minute).
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const res = await t.http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'whatever-123' });
        statuses.push(res.status);
        if (res.status === 429) expectTooManyRequests(res);
      }
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      expect(statuses[statuses.length - 1]).toBe(429);
    });
  });

  /** Limits on Stripe calls are per developer: two of them, with a project each. */
  async function twoDevelopersWithAProject() {
    const first = await registerDeveloper(t);
    const second = await registerDeveloper(t);
    return {
      first,
      second,
      firstProject: await createProject(t, first),
      secondProject: await createProject(t, second),
    };
  }

  describe('validate-credentials (per developer)', () => {
    it('answers 429 with Retry-After after the limit, per developer', async () => {
      const { first, second, firstProject, secondProject } = await twoDevelopersWithAProject();
      // A live key in test mode is rejected without calling Stripe, but still counts as an attempt.
      const body = { secret_key: fakeKey('sk_live_'), is_test_mode: true };
      const validate = (dev: typeof first, projectId: string) => validateCredentials(t, dev, projectId, body);
      await validate(first, firstProject).expect(200);
      await validate(first, firstProject).expect(200);
      const limited = await validate(first, firstProject);
      expectTooManyRequests(limited);
      expect(JSON.stringify(limited.body)).not.toContain(body.secret_key);
      // Another project of the same developer shares the developer's limit.
      expectTooManyRequests(await validate(first, await createProject(t, first)));
      // Another developer has a limit of their own.
      await validate(second, secondProject).expect(200);
      // Other operations are not rate limited.
      for (let i = 0; i < 5; i += 1) await t.http().get(configPath(firstProject)).set(first.auth).expect(200);
    });
  });

  describe('webhook endpoint creation (per developer)', () => {
    it('answers 429 with Retry-After after the limit, per developer', async () => {
      const { first, second, firstProject, secondProject } = await twoDevelopersWithAProject();
      // No config yet: 409 without calling Stripe, but still an attempt that counts.
      const setup = (dev: typeof first, projectId: string) => setupWebhookEndpoint(t, dev, projectId);
      await setup(first, firstProject).expect(409);
      await setup(first, firstProject).expect(409);
      expectTooManyRequests(await setup(first, firstProject));
      expectTooManyRequests(await setup(first, await createProject(t, first)));
      await setup(second, secondProject).expect(409);
    });
  });

  it('documents 429 with Retry-After on the limited operations, and 503 on the database health check', async () => {
    const spec = (await t.http().get('/openapi.json').expect(200)).body;
    const login = spec.paths['/api/v1/auth/login'].post.responses['429'];
    const validate =
      spec.paths['/api/v1/payments/stripe/projects/{project_id}/validate-credentials'].post.responses['429'];
    for (const response of [login, validate]) expect(response.headers['Retry-After']).toBeDefined();
    expect(spec.paths['/api/v1/health/database'].get.operationId).toBe('getDatabaseHealth');
    expect(spec.paths['/api/v1/health/database'].get.responses['503']).toBeDefined();
    expect(spec.paths['/api/v1/health'].get.operationId).toBe('getHealth');
    expect(spec.paths['/api/v1/health'].get.security ?? []).toEqual([]);
  });

  it('sets security headers (helmet) on every response, errors included', async () => {
    for (const res of [
      await t.http().get('/api/v1/health').expect(200),
      await t.http().get('/api/v1/projects/').expect(401),
      await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{bad').expect(422),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      // Plain-HTTP deployments must still load Swagger UI's own assets.
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-request-id']).toBeDefined();
    }
  });

  /** A browser's CORS preflight from the allowed origin (answered by the CORS middleware, not an API operation of the spec). */
  const corsPreflight = (path: string, method: string, headers: string) =>
    t
      .http({ validate: false })
      .options(path)
      .set('Origin', ALLOWED_ORIGIN)
      .set('Access-Control-Request-Method', method)
      .set('Access-Control-Request-Headers', headers);

  it('CORS: an allowed origin gets Access-Control-* headers, another origin none', async () => {
    const preflight = await corsPreflight('/api/v1/projects/', 'POST', 'authorization,content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);
    const simple = await t.http().get('/api/v1/health').set('Origin', 'https://admin.example.com').expect(200);
    expect(simple.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(simple.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    const other = await t.http().get('/api/v1/health').set('Origin', 'https://evil.example.net').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS lets a browser UI use optimistic concurrency: If-Match may be sent, ETag can be read', async () => {
    const preflight = await corsPreflight(
      '/api/v1/payments/stripe/projects/3fa85f64-5717-4562-b3fc-2c963f66afa6/config',
      'PUT',
      'authorization,content-type,if-match',
    );
    expect(preflight.status).toBe(204);
    const allowed = String(preflight.headers['access-control-allow-headers'])
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match']));
    const simple = await t.http().get('/api/v1/health').set('Origin', ALLOWED_ORIGIN).expect(200);
    const exposed = String(simple.headers['access-control-expose-headers'])
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'x-request-id', 'retry-after']));
  });
});

describe('CORS is off by default (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t?.close());

  it('sends no Access-Control-* header to any origin when CORS_ORIGINS is unset', async () => {
    const preflight = await t
      // A CORS preflight is answered by the CORS middleware, not an API operation of the spec.
      .http({ validate: false })
      .options('/api/v1/projects/')
      .set('Origin', ALLOWED_ORIGIN)
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    const get = await t.http().get('/api/v1/health').set('Origin', ALLOWED_ORIGIN).expect(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});
