import { createHmac, randomBytes } from 'node:crypto';
import { configPath, createProject, Developer, fakeKey, putConfig, registerDeveloper } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

function signJwt(payload: Record<string, unknown>, secret: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

type Method = 'get' | 'post' | 'put' | 'delete';

interface Endpoint {
  name: string;
  method: Method;
  path: (projectId: string) => string;
  body?: () => object;
  /** Status for the owner (and, on endpoints without a project, for any developer). */
  ok: number;
  /** The path names a project: another developer gets 403. */
  ownsProject: boolean;
  /** Runs before the owner's request (e.g. a config must exist to be deleted). */
  beforeOwner?: (ctx: Context) => Promise<void>;
}

interface Context {
  t: TestApp;
  owner: Developer;
  projectId: string;
}

/** Every bearer-protected endpoint: one line each. Endpoints from other branches are added here. */
const ENDPOINTS: Endpoint[] = [
  { name: 'GET auth/me', method: 'get', path: () => '/api/v1/auth/me', ok: 200, ownsProject: false },
  { name: 'GET projects', method: 'get', path: () => '/api/v1/projects/', ok: 200, ownsProject: false },
  {
    name: 'POST projects',
    method: 'post',
    path: () => '/api/v1/projects/',
    body: () => ({ name: 'Another project' }),
    ok: 201,
    ownsProject: false,
  },
  { name: 'GET project', method: 'get', path: (p) => `/api/v1/projects/${p}`, ok: 200, ownsProject: true },
  {
    name: 'PUT config',
    method: 'put',
    path: (p) => configPath(p),
    body: () => ({ test_secret_key: fakeKey('sk_test_') }),
    ok: 200,
    ownsProject: true,
  },
  { name: 'GET config', method: 'get', path: (p) => configPath(p), ok: 200, ownsProject: true },
  {
    name: 'DELETE config',
    method: 'delete',
    path: (p) => configPath(p),
    ok: 204,
    ownsProject: true,
    beforeOwner: async ({ t, owner, projectId }) => {
      await putConfig(t, owner, projectId, { test_secret_key: fakeKey('sk_test_') });
    },
  },
  { name: 'GET webhook-urls', method: 'get', path: (p) => configPath(p, 'webhook-urls'), ok: 200, ownsProject: true },
  {
    name: 'POST validate-credentials',
    method: 'post',
    path: (p) => configPath(p, 'validate-credentials'),
    // A live key with is_test_mode=true is answered without calling Stripe.
    body: () => ({ secret_key: fakeKey('sk_live_'), is_test_mode: true }),
    ok: 200,
    ownsProject: true,
  },
  { name: 'GET audit-log', method: 'get', path: (p) => configPath(p, 'audit-log'), ok: 200, ownsProject: true },
  {
    name: 'GET webhook-events',
    method: 'get',
    path: (p) => configPath(p, 'webhook-events'),
    ok: 200,
    ownsProject: true,
  },
  {
    name: 'GET webhook-event',
    method: 'get',
    // No event was received: the owner gets past every check and is told there is no such event.
    path: (p) =>
      configPath(
        p,
        `webhook-events/${p === '{project_id}' ? '{webhook_event_id}' : '3fa85f64-5717-4562-b3fc-2c963f66afa6'}`,
      ),
    ok: 404,
    ownsProject: true,
  },
  {
    name: 'POST webhook-endpoints',
    method: 'post',
    path: (p) => configPath(p, 'webhook-endpoints'),
    body: () => ({ mode: 'test' }),
    // The project has no test secret key: the owner gets past every check and is told so, without a call to Stripe.
    ok: 409,
    ownsProject: true,
  },
  { name: 'GET health', method: 'get', path: (p) => configPath(p, 'health'), ok: 200, ownsProject: true },
  {
    name: 'POST health/refresh',
    method: 'post',
    path: (p) => configPath(p, 'health/refresh'),
    // Stripe is a closed local port here: the key check ends as "unreachable", reported in a 200.
    ok: 200,
    ownsProject: true,
  },
  {
    name: 'GET subscriptions',
    method: 'get',
    path: (p) => configPath(p, 'subscriptions'),
    ok: 200,
    ownsProject: true,
  },
  { name: 'GET payments', method: 'get', path: (p) => configPath(p, 'payments'), ok: 200, ownsProject: true },
  { name: 'GET payments/sync', method: 'get', path: (p) => configPath(p, 'payments/sync'), ok: 200, ownsProject: true },
  {
    name: 'POST payments/sync',
    method: 'post',
    path: (p) => configPath(p, 'payments/sync'),
    body: () => ({ mode: 'test' }),
    ok: 202,
    ownsProject: true,
    beforeOwner: async ({ t, owner, projectId }) => {
      await putConfig(t, owner, projectId, { test_secret_key: fakeKey('sk_test_') });
    },
  },
  {
    name: 'GET all subscriptions',
    method: 'get',
    path: () => '/api/v1/payments/subscriptions',
    ok: 200,
    ownsProject: false,
  },
  {
    name: 'GET transactions',
    method: 'get',
    path: () => '/api/v1/payments/transactions',
    ok: 200,
    ownsProject: false,
  },
  { name: 'GET payment projects', method: 'get', path: () => '/api/v1/payments/projects', ok: 200, ownsProject: false },
  { name: 'GET payment stats', method: 'get', path: () => '/api/v1/payments/stats', ok: 200, ownsProject: false },
];

type Persona =
  | 'no token'
  | 'malformed token'
  | 'bad signature'
  | 'expired token'
  | 'user deleted'
  | 'user inactive'
  | 'role not developer'
  | 'another developer'
  | 'owner';

const PERSONAS: Persona[] = [
  'no token',
  'malformed token',
  'bad signature',
  'expired token',
  'user deleted',
  'user inactive',
  'role not developer',
  'another developer',
  'owner',
];

function expectedStatus(endpoint: Endpoint, persona: Persona): number {
  switch (persona) {
    case 'role not developer':
      return 403;
    case 'another developer':
      return endpoint.ownsProject ? 403 : endpoint.ok;
    case 'owner':
      return endpoint.ok;
    default:
      return 401;
  }
}

describe('Authorization matrix: every bearer-protected endpoint × every kind of caller', () => {
  let ctx: Context;
  const headers = new Map<Persona, Record<string, string>>();
  /** Strings of the owner's that no other caller may ever see. */
  let ownerSecrets: string[];

  beforeAll(async () => {
    // Nothing listens on port 9: a call to Stripe fails at once, on this machine.
    const t = await createTestApp({ env: { STRIPE_API_BASE: 'http://127.0.0.1:9' } });
    const owner = await registerDeveloper(t);
    const projectId = await createProject(t, owner, `Owner project ${randomBytes(4).toString('hex')}`);
    const put = await putConfig(t, owner, projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200);
    ctx = { t, owner, projectId };
    ownerSecrets = [owner.id, owner.email, projectId, put.body.id, put.body.test_secret_key_masked];

    const other = await registerDeveloper(t);
    const deleted = await registerDeveloper(t);
    await t.db.query('DELETE FROM users WHERE id = $1', [deleted.id]);
    const inactive = await registerDeveloper(t);
    await t.db.query('UPDATE users SET is_active = false WHERE id = $1', [inactive.id]);
    const admin = await registerDeveloper(t);
    await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.id]);
    const now = Math.floor(Date.now() / 1000);
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    headers.set('no token', {});
    headers.set('malformed token', bearer('not-a.jwt'));
    headers.set(
      'bad signature',
      bearer(signJwt({ sub: owner.id, role: 'developer', iat: now, exp: now + 600 }, 'another-secret-0123456789')),
    );
    headers.set(
      'expired token',
      bearer(signJwt({ sub: owner.id, role: 'developer', iat: now - 7200, exp: now - 3600 }, t.config.auth.jwtSecret)),
    );
    headers.set('user deleted', deleted.auth);
    headers.set('user inactive', inactive.auth);
    headers.set('role not developer', admin.auth);
    headers.set('another developer', other.auth);
    headers.set('owner', owner.auth);
  });
  afterAll(() => ctx?.t.close());

  const cases = ENDPOINTS.flatMap((endpoint) =>
    PERSONAS.map((persona) => ({ endpoint, persona, status: expectedStatus(endpoint, persona) })),
  );

  it.each(cases.map((c) => [c.endpoint.name, c.persona, c.status, c] as const))(
    '%s as %s → %i',
    async (_name, persona, status, { endpoint }) => {
      if (persona === 'owner') await endpoint.beforeOwner?.(ctx);
      let req = ctx.t
        .http()
        [endpoint.method](endpoint.path(ctx.projectId))
        .set(headers.get(persona) ?? {});
      if (endpoint.body) req = req.send(endpoint.body());
      const res = await req;
      expect(res.status).toBe(status);
      if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
      if (status >= 400) expect(res.body).toEqual({ detail: expect.any(String) });
      if (persona !== 'owner') {
        // Nobody but the owner sees the owner's ids or data.
        for (const secret of ownerSecrets) expect(res.text).not.toContain(secret);
      }
    },
  );

  it('the table lists every bearer-protected operation of the OpenAPI document (add new endpoints to ENDPOINTS)', () => {
    expect(ENDPOINTS.length * PERSONAS.length).toBe(cases.length);
    // Every operation of the OpenAPI document that needs a bearer token is in the table.
    return ctx.t
      .http()
      .get('/openapi.json')
      .expect(200)
      .then((res) => {
        const spec = res.body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
        const protectedOps = Object.entries(spec.paths).flatMap(([path, ops]) =>
          Object.entries(ops)
            .filter(([, op]) => (op.security ?? []).length > 0)
            .map(([method]) => `${method.toUpperCase()} ${path}`),
        );
        const tableOps = ENDPOINTS.map((e) => `${e.method.toUpperCase()} ${e.path('{project_id}')}`);
        expect(protectedOps.sort()).toEqual([...new Set(tableOps)].sort());
      });
  });
});
