import { createHmac } from 'node:crypto';
import { createTestApp, TestApp } from './helpers/test-app';
import { registerDeveloper, uniqueEmail } from './helpers/fixtures';

function signJwt(payload: Record<string, unknown>, secret: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('Developer auth (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t?.close());

  it('registers a developer and returns the user with a bearer token', async () => {
    const email = uniqueEmail();
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email, password: 'password123', full_name: 'Ada' })
      .expect(201);
    expect(res.body).toMatchObject({
      email,
      full_name: 'Ada',
      role: 'developer',
      is_active: true,
      token_type: 'bearer',
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(res.body.created_at).toString()).not.toBe('Invalid Date');
    expect(res.body.access_token.split('.')).toHaveLength(3);
    expect(res.body).not.toHaveProperty('password_hash');
    expect(JSON.stringify(res.body)).not.toContain('password123');
  });

  it('issues HS256 tokens with sub, role, iat and a one-hour exp', async () => {
    const dev = await registerDeveloper(t);
    const [header, payload] = dev.token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: dev.id, role: 'developer' });
    expect(payload.exp - payload.iat).toBe(3600);
  });

  it('stores a hash, never the password', async () => {
    const dev = await registerDeveloper(t);
    const row = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [dev.id]);
    expect(row.rows[0].password_hash).toMatch(/^scrypt\$/);
    expect(row.rows[0].password_hash).not.toContain(dev.password);
  });

  it('answers 409 with a clear detail for a taken email (any case)', async () => {
    const dev = await registerDeveloper(t);
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email: dev.email.toUpperCase(), password: 'password123' })
      .expect(409);
    expect(res.body).toEqual({ detail: 'A user with this email already exists' });
  });

  it.each([
    [{ email: 'not-an-email', password: 'password123' }, 'email'],
    [{ email: 'a@example.com', password: 'short' }, 'password'],
    [{ password: 'password123' }, 'email'],
    [{ email: 'a@example.com', password: 'password123', role: 'admin' }, 'role'],
  ])('rejects invalid registration %j with 422 at %s', async (body, field) => {
    const res = await t.http().post('/api/v1/auth/register').send(body).expect(422);
    expect(res.body.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc: ['body', field] })]));
    for (const issue of res.body.detail) {
      expect(typeof issue.msg).toBe('string');
      expect(typeof issue.type).toBe('string');
    }
  });

  it('logs in with JSON credentials', async () => {
    const dev = await registerDeveloper(t);
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: dev.email, password: dev.password })
      .expect(200);
    expect(res.body).toMatchObject({ token_type: 'bearer' });
    expect(typeof res.body.access_token).toBe('string');
  });

  it('logs in with the OAuth2 password form (Swagger UI Authorize)', async () => {
    const dev = await registerDeveloper(t);
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .type('form')
      .send({ grant_type: 'password', username: dev.email, password: dev.password, scope: '' })
      .expect(200);
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.access_token}`).expect(200);
  });

  it('logs in with the documented form fields (email and password, as in JSON)', async () => {
    const dev = await registerDeveloper(t);
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .type('form')
      .send({ email: dev.email, password: dev.password })
      .expect(200);
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.access_token}`).expect(200);
    const missing = await t.http().post('/api/v1/auth/login').type('form').send({ email: dev.email }).expect(422);
    expect(missing.body.detail[0].loc).toEqual(['body', 'password']);
  });

  it('answers 401 for a wrong password or an unknown email', async () => {
    const dev = await registerDeveloper(t);
    const wrong = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: dev.email, password: 'wrong-password' })
      .expect(401);
    expect(wrong.body).toEqual({ detail: 'Incorrect email or password' });
    await t.http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'whatever1' }).expect(401);
  });

  it('returns the current user from /auth/me', async () => {
    const dev = await registerDeveloper(t);
    const res = await t.http().get('/api/v1/auth/me').set(dev.auth).expect(200);
    expect(res.body).toMatchObject({
      id: dev.id,
      email: dev.email,
      role: 'developer',
      is_active: true,
      project_id: null,
    });
  });

  describe('bearer token checks', () => {
    it('401 with WWW-Authenticate: Bearer when the token is missing', async () => {
      const res = await t.http().get('/api/v1/auth/me').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({ detail: 'Not authenticated' });
    });

    it('401 for a malformed token', async () => {
      const res = await t.http().get('/api/v1/auth/me').set('Authorization', 'Bearer not.a.jwt').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(typeof res.body.detail).toBe('string');
    });

    it('401 for a token signed with another secret', async () => {
      const dev = await registerDeveloper(t);
      const now = Math.floor(Date.now() / 1000);
      const token = signJwt({ sub: dev.id, role: 'developer', iat: now, exp: now + 600 }, 'another-secret-entirely');
      await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
    });

    it('401 for an expired token', async () => {
      const dev = await registerDeveloper(t);
      const now = Math.floor(Date.now() / 1000);
      const token = signJwt(
        { sub: dev.id, role: 'developer', iat: now - 7200, exp: now - 3600 },
        t.config.auth.jwtSecret,
      );
      const res = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.body).toEqual({ detail: 'Token has expired' });
    });

    describe('time claims (hand-signed with the right secret)', () => {
      const me = (token: string) => t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
      let dev: Awaited<ReturnType<typeof registerDeveloper>>;
      const now = () => Math.floor(Date.now() / 1000);
      const token = (claims: Record<string, unknown>) =>
        signJwt({ sub: dev.id, role: 'developer', ...claims }, t.config.auth.jwtSecret);
      beforeAll(async () => {
        dev = await registerDeveloper(t);
      });

      it('401 for a token without exp (even with iat), with WWW-Authenticate: Bearer', async () => {
        for (const claims of [{}, { iat: now() }]) {
          const res = await me(token(claims)).expect(401);
          expect(res.headers['www-authenticate']).toBe('Bearer');
          expect(res.body).toEqual({ detail: 'Could not validate credentials' });
        }
      });

      it.each([
        ['a string', '9999999999'],
        ['null', null],
        ['an object', { seconds: 9999999999 }],
      ])('401 for an exp that is %s', async (_name, exp) => {
        await me(token({ iat: now(), exp })).expect(401);
      });

      it('401 for iat or nbf more than 60 s in the future; within 60 s they pass', async () => {
        await me(token({ iat: now() + 3600, exp: now() + 7200 })).expect(401);
        await me(token({ iat: now() + 120, exp: now() + 3600 })).expect(401);
        await me(token({ iat: now(), nbf: now() + 120, exp: now() + 3600 })).expect(401);
        await me(token({ iat: now() + 30, exp: now() + 3600 })).expect(200);
        await me(token({ iat: now(), nbf: now() + 30, exp: now() + 3600 })).expect(200);
        await me(token({ iat: now() - 60, nbf: now() - 60, exp: now() + 3600 })).expect(200);
      });

      it('401 for an iat or nbf that is not a number', async () => {
        await me(token({ iat: 'yesterday', exp: now() + 3600 })).expect(401);
        await me(token({ iat: now(), nbf: 'now', exp: now() + 3600 })).expect(401);
      });

      it('a token the service issued passes (it has iat and exp)', async () => {
        await me(dev.token).expect(200);
      });
    });

    it('401 for a token whose user no longer exists or is inactive', async () => {
      const gone = await registerDeveloper(t);
      await t.db.query('DELETE FROM users WHERE id = $1', [gone.id]);
      await t.http().get('/api/v1/auth/me').set(gone.auth).expect(401);
      const inactive = await registerDeveloper(t);
      await t.db.query('UPDATE users SET is_active = false WHERE id = $1', [inactive.id]);
      await t.http().get('/api/v1/auth/me').set(inactive.auth).expect(401);
    });

    it('403 for a valid token of a user who is not a developer', async () => {
      const dev = await registerDeveloper(t);
      await t.db.query(`UPDATE users SET role = 'end_user' WHERE id = $1`, [dev.id]);
      const res = await t.http().get('/api/v1/auth/me').set(dev.auth).expect(403);
      expect(res.body).toEqual({ detail: 'Developer role required' });
    });
  });
});
