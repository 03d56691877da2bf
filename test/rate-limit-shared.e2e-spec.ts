import { createProject, fakeKey, registerDeveloper, validateCredentials } from './helpers/fixtures';
import { startTwoInstances, TestApp } from './helpers/test-app';

/** Two instances of the service on ONE database, as behind a load balancer. */
const twoInstances = (env: Record<string, string> = {}) =>
  startTwoInstances({ migrated: true, env: { RATE_LIMIT_LOGIN: '3/60', RATE_LIMIT_STRIPE: '2/60', ...env } });

const login = (t: TestApp, email: string, password: string) =>
  t.http().post('/api/v1/auth/login').send({ email, password });

describe('Rate limits shared by two instances on one database (e2e, RATE_LIMIT_STORE=postgres)', () => {
  let instances: Awaited<ReturnType<typeof twoInstances>>;
  beforeAll(async () => {
    instances = await twoInstances();
  });
  afterAll(() => instances?.close());

  it('a login limit used up through instance A is enforced on instance B, with Retry-After', async () => {
    const { a, b } = instances;
    const dev = await registerDeveloper(a);
    await login(a, dev.email, 'wrong-password-1').expect(401);
    await login(b, dev.email, 'wrong-password-2').expect(401);
    await login(a, dev.email, dev.password).expect(200);
    for (const instance of [b, a]) {
      const res = await login(instance, dev.email, dev.password);
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ detail: expect.stringMatching(/^Too many requests/) });
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // The counters are rows of the shared database, keyed by hashes: no email in clear.
    const rows = await a.db.query<{ key: Buffer }>('SELECT key FROM rate_limit_counters');
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) expect(row.key.toString('latin1')).not.toContain(dev.email);
  });

  it('the per-developer limit on Stripe calls is shared too', async () => {
    const { a, b } = instances;
    const dev = await registerDeveloper(a);
    const projectId = await createProject(a, dev);
    // A live key in test mode is rejected without calling Stripe, but still counts as an attempt.
    const body = { secret_key: fakeKey('sk_live_'), is_test_mode: true };
    const validate = (t: TestApp) => validateCredentials(t, dev, projectId, body);
    await validate(a).expect(200);
    await validate(b).expect(200);
    expect((await validate(a)).status).toBe(429);
    expect((await validate(b)).status).toBe(429);
  });
});

describe('Rate limits per process with RATE_LIMIT_STORE=memory (e2e)', () => {
  let instances: Awaited<ReturnType<typeof twoInstances>>;
  beforeAll(async () => {
    instances = await twoInstances({ RATE_LIMIT_STORE: 'memory' });
  });
  afterAll(() => instances?.close());

  it('each instance counts on its own: a single-instance setting', async () => {
    const { a, b } = instances;
    const dev = await registerDeveloper(a);
    for (let i = 0; i < 3; i += 1) await login(a, dev.email, dev.password).expect(200);
    expect((await login(a, dev.email, dev.password)).status).toBe(429);
    await login(b, dev.email, dev.password).expect(200);
    const rows = await a.db.query('SELECT 1 FROM rate_limit_counters');
    expect(rows.rowCount).toBe(0);
  });
});
