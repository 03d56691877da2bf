import { FakeStripe } from './helpers/fake-stripe';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  projectWithConfig,
  putConfig,
  registerDeveloper,
  validateCredentials,
} from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

const UNKNOWN_PROJECT = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

function masked(key: string): string {
  const prefix = /^((?:sk|rk|pk)_(?:test|live)_|whsec_)/.exec(key)![1];
  return `${prefix}...${key.slice(-4)}`;
}

describe('Stripe configuration (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  let dev: Developer;

  beforeAll(async () => {
    ({ t, stripe, dev } = await startAppWithFakeStripe());
  });
  afterAll(() => t?.close());
  beforeEach(() => stripe.reset());

  describe('PUT config', () => {
    it('creates the config and returns only masked credentials', async () => {
      const projectId = await createProject(t, dev);
      const keys = {
        test_secret_key: fakeKey('sk_test_'),
        test_publishable_key: fakeKey('pk_test_'),
        test_webhook_secret: fakeKey('whsec_'),
      };
      const res = await putConfig(t, dev, projectId, keys).expect(200);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        project_id: projectId,
        is_active: true,
        has_test_credentials: true,
        has_live_credentials: false,
        test_secret_key_masked: masked(keys.test_secret_key),
        test_publishable_key_masked: masked(keys.test_publishable_key),
        test_webhook_secret_masked: masked(keys.test_webhook_secret),
        live_secret_key_masked: null,
        live_publishable_key_masked: null,
        live_webhook_secret_masked: null,
        test_configured_at: expect.any(String),
        live_configured_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        version: 1,
      });
      // The body's version is the ETag, quoted: what a client that sees only bodies sends in If-Match.
      expect(res.headers.etag).toBe(`"${res.body.version}"`);
      expect(res.body.test_secret_key_masked).toMatch(/^sk_test_\.\.\.[A-Za-z0-9]{4}$/);
      for (const value of Object.values(keys)) expect(JSON.stringify(res.body)).not.toContain(value);
    });

    it('masks restricted keys as rk_live_...XXXX', async () => {
      const projectId = await createProject(t, dev);
      const key = fakeKey('rk_live_');
      const res = await putConfig(t, dev, projectId, { live_secret_key: key }).expect(200);
      expect(res.body.live_secret_key_masked).toBe(`rk_live_...${key.slice(-4)}`);
      expect(res.body.has_live_credentials).toBe(true);
      expect(res.body.live_configured_at).not.toBeNull();
    });

    it('merges partial updates with what is stored; null and omitted mean unchanged', async () => {
      const projectId = await createProject(t, dev);
      const testKey = fakeKey('sk_test_');
      const first = await putConfig(t, dev, projectId, { test_secret_key: testKey }).expect(200);
      const liveKey = fakeKey('sk_live_');
      const second = await putConfig(t, dev, projectId, { live_secret_key: liveKey, test_secret_key: null }).expect(
        200,
      );
      expect(second.body.id).toBe(first.body.id);
      expect(second.body.test_secret_key_masked).toBe(masked(testKey));
      expect(second.body.live_secret_key_masked).toBe(masked(liveKey));
      expect(second.body.has_test_credentials).toBe(true);
      expect(second.body.has_live_credentials).toBe(true);
      // Only the live mode changed.
      expect(second.body.test_configured_at).toBe(first.body.test_configured_at);
      expect(new Date(second.body.updated_at).getTime()).toBeGreaterThanOrEqual(
        new Date(first.body.updated_at).getTime(),
      );
      const rows = await t.db.query('SELECT count(*)::int AS n FROM stripe_configs WHERE project_id = $1', [projectId]);
      expect(rows.rows[0].n).toBe(1);
    });

    it('has_test_credentials follows the secret key, not the publishable key', async () => {
      const projectId = await createProject(t, dev);
      const res = await putConfig(t, dev, projectId, { test_publishable_key: fakeKey('pk_test_') }).expect(200);
      expect(res.body.has_test_credentials).toBe(false);
      expect(res.body.test_configured_at).not.toBeNull();
    });

    it('trims surrounding whitespace before checking and storing', async () => {
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_test_');
      const res = await putConfig(t, dev, projectId, { test_secret_key: `  ${key}\n` }).expect(200);
      expect(res.body.test_secret_key_masked).toBe(masked(key));
    });

    it.each([
      ['test_secret_key', 'sk_live_'],
      ['test_secret_key', 'rk_live_'],
      ['test_publishable_key', 'pk_live_'],
      ['live_secret_key', 'sk_test_'],
      ['live_publishable_key', 'pk_test_'],
    ])('rejects a key of the other mode in %s (%s...) and says so', async (field, prefix) => {
      const projectId = await createProject(t, dev);
      const key = fakeKey(prefix);
      const res = await putConfig(t, dev, projectId, { [field]: key }).expect(422);
      expect(res.body.detail).toHaveLength(1);
      expect(res.body.detail[0].loc).toEqual(['body', field]);
      const expected = field.startsWith('test') ? 'a live-mode key was given' : 'a test-mode key was given';
      expect(res.body.detail[0].msg).toContain(expected);
      expect(JSON.stringify(res.body)).not.toContain(key);
    });

    it.each([
      ['test_secret_key', 'pk_test_abcdefgh12'],
      ['test_secret_key', 'sk_test_short'],
      ['test_secret_key', 'sk_test_has-dash-1234'],
      ['test_publishable_key', 'sk_test_abcdefgh12'],
      ['test_webhook_secret', 'wh_abcdefgh12'],
      ['live_webhook_secret', 'whsec_'],
      ['live_secret_key', `sk_live_${'a'.repeat(248)}`],
      ['test_secret_key', ''],
      ['test_secret_key', 12345],
    ])('rejects %s = %j with 422', async (field, value) => {
      const projectId = await createProject(t, dev);
      const res = await putConfig(t, dev, projectId, { [field]: value }).expect(422);
      expect(res.body.detail.every((d: { loc: string[] }) => d.loc[0] === 'body' && d.loc[1] === field)).toBe(true);
    });

    it('accepts a key of exactly 255 characters', async () => {
      await projectWithConfig(t, dev, { live_secret_key: `sk_live_${'a'.repeat(247)}` });
    });

    it('rejects a body without any credential, and unknown properties, with 422', async () => {
      const projectId = await createProject(t, dev);
      const empty = await putConfig(t, dev, projectId, {}).expect(422);
      expect(empty.body.detail[0]).toMatchObject({ loc: ['body'], type: 'value_error' });
      await putConfig(t, dev, projectId, { test_secret_key: null }).expect(422);
      const unknown = await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_'), secret: 'x' }).expect(
        422,
      );
      expect(unknown.body.detail[0]).toMatchObject({ loc: ['body', 'secret'], type: 'extra_forbidden' });
      const none = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
      expect(none.body).toBeNull();
    });

    it('rejects invalid JSON and non-object bodies with 422, never 500', async () => {
      const projectId = await createProject(t, dev);
      const invalid = await t
        .http()
        .put(configPath(projectId))
        .set(dev.auth)
        .set('Content-Type', 'application/json')
        .send('{"test_secret_key": ')
        .expect(422);
      expect(invalid.body.detail[0].type).toBe('json_invalid');
      await putConfig(t, dev, projectId, [{ test_secret_key: fakeKey('sk_test_') }]).expect(422);
      // A body that is not JSON at all is a 415 naming the type expected (test/wrong-inputs.e2e-spec.ts).
      await t
        .http()
        .put(configPath(projectId))
        .set(dev.auth)
        .set('Content-Type', 'text/plain')
        .send('hello')
        .expect(415);
      await t
        .http()
        .put(configPath(projectId))
        .set(dev.auth)
        .set('Content-Type', 'application/json')
        .send('{"__proto__": {"x": 1}}')
        .expect(422);
    });

    it('answers 413 with a detail for a body over 64 KiB', async () => {
      const projectId = await createProject(t, dev);
      const res = await putConfig(t, dev, projectId, { test_secret_key: 'x'.repeat(70 * 1024) }).expect(413);
      expect(res.body).toEqual({ detail: 'Request body too large' });
    });

    it('does not lose stored credentials when a later PUT is rejected', async () => {
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_test_');
      await putConfig(t, dev, projectId, { test_secret_key: key }).expect(200);
      await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_live_') }).expect(422);
      const res = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
      expect(res.body.test_secret_key_masked).toBe(masked(key));
    });
  });

  describe('GET and DELETE config', () => {
    it('returns JSON null with 200 when the project has no config', async () => {
      const projectId = await createProject(t, dev);
      const res = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
      expect(res.text).toBe('null');
      expect(res.headers['content-type']).toMatch(/application\/json/);
    });

    it('deactivates with 204, keeps credentials, and a PUT reactivates', async () => {
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_test_');
      await putConfig(t, dev, projectId, { test_secret_key: key }).expect(200);
      const del = await t.http().delete(configPath(projectId)).set(dev.auth).expect(204);
      expect(del.text).toBe('');
      const after = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
      expect(after.body).toMatchObject({
        is_active: false,
        has_test_credentials: true,
        test_secret_key_masked: masked(key),
      });
      const again = await putConfig(t, dev, projectId, { test_publishable_key: fakeKey('pk_test_') }).expect(200);
      expect(again.body.is_active).toBe(true);
      expect(again.body.test_secret_key_masked).toBe(masked(key));
    });

    it('answers 404 to DELETE when the project has no config', async () => {
      const projectId = await createProject(t, dev);
      const res = await t.http().delete(configPath(projectId)).set(dev.auth).expect(404);
      expect(res.body).toEqual({ detail: 'Stripe configuration not found' });
    });
  });

  describe('encryption at rest', () => {
    it('stores ciphertext only: no plaintext credential in the row', async () => {
      const projectId = await createProject(t, dev);
      const keys = { test_secret_key: fakeKey('sk_test_'), live_webhook_secret: fakeKey('whsec_') };
      await putConfig(t, dev, projectId, keys).expect(200);
      const row = await t.db.query('SELECT * FROM stripe_configs WHERE project_id = $1', [projectId]);
      const dump = JSON.stringify(row.rows[0]);
      for (const value of Object.values(keys)) expect(dump).not.toContain(value);
      expect(row.rows[0].test_secret_key_encrypted).toMatch(/^v1:k1:/);
    });

    it('fails to decrypt a ciphertext moved to another project', async () => {
      const a = await createProject(t, dev);
      const b = await createProject(t, dev);
      await putConfig(t, dev, a, { test_secret_key: fakeKey('sk_test_') }).expect(200);
      await putConfig(t, dev, b, { test_secret_key: fakeKey('sk_test_') }).expect(200);
      await t.db.query(
        `UPDATE stripe_configs SET test_secret_key_encrypted = (SELECT test_secret_key_encrypted FROM stripe_configs WHERE project_id = $1) WHERE project_id = $2`,
        [a, b],
      );
      const { StripeConfigCredentials } = await import('../src/stripe-config/stripe-config-credentials');
      const { StripeConfigRepository } = await import('../src/stripe-config/stripe-config.repository');
      const service = t.app.get(StripeConfigCredentials);
      const repository = t.app.get(StripeConfigRepository);
      const ownRow = (await repository.findByProjectId(a))!;
      expect(service.reveal(ownRow, 'test_secret_key')).toMatch(/^sk_test_/);
      const movedRow = (await repository.findByProjectId(b))!;
      expect(() => service.reveal(movedRow, 'test_secret_key')).toThrow(/could not be decrypted/);
      // Moving it to another field of the same project fails too.
      const sameProjectOtherField = { ...ownRow, liveSecretKeyEncrypted: ownRow.testSecretKeyEncrypted };
      expect(() => service.reveal(sameProjectOtherField, 'live_secret_key')).toThrow(/could not be decrypted/);
    });
  });

  describe('webhook URLs', () => {
    it('derives both URLs from PUBLIC_BASE_URL', async () => {
      const projectId = await createProject(t, dev);
      const res = await t.http().get(configPath(projectId, 'webhook-urls')).set(dev.auth).expect(200);
      expect(res.body).toEqual({
        test_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${projectId}/test`,
        live_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${projectId}/live`,
      });
    });
  });

  describe('validate-credentials (against a local Stripe-like server)', () => {
    it('a key Stripe accepts is valid; one balance call with the key in the Authorization header only', async () => {
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      const res = await validateCredentials(t, dev, projectId, { secret_key: key }).expect(200);
      expect(res.body).toEqual({ valid: true, message: 'Stripe credentials are valid' });
      expect(stripe.requests).toHaveLength(1);
      expect(stripe.requests[0]).toMatchObject({ method: 'GET', path: '/v1/balance' });
      expect(stripe.requests[0].headers.authorization).toBe(`Bearer ${key}`);
      expect(stripe.requests[0].path + stripe.requests[0].body).not.toContain(key);
    });

    it("a key Stripe rejects with 401 is invalid, and Stripe's message is not passed on", async () => {
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_live_');
      const res = await validateCredentials(t, dev, projectId, { secret_key: key, is_test_mode: false }).expect(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.message).toMatch(/invalid API key/);
      expect(JSON.stringify(res.body)).not.toContain(key.slice(-4) + '"');
      expect(stripe.requests).toHaveLength(1);
    });

    it('a key whose mode contradicts is_test_mode is invalid without calling Stripe', async () => {
      const projectId = await createProject(t, dev);
      const res = await validateCredentials(t, dev, projectId, {
        secret_key: fakeKey('sk_live_'),
        is_test_mode: true,
      }).expect(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.message).toMatch(/live-mode key/);
      expect(stripe.requests).toHaveLength(0);
    });

    it('rejects a missing or empty secret_key with 422', async () => {
      const projectId = await createProject(t, dev);
      await validateCredentials(t, dev, projectId, {}).expect(422);
      await validateCredentials(t, dev, projectId, { secret_key: '' }).expect(422);
      await validateCredentials(t, dev, projectId, { secret_key: 'sk_test_x', is_test_mode: 'yes' }).expect(422);
    });
  });

  describe('ownership and errors on every endpoint', () => {
    const endpoints: [string, string, (id: string) => string, object | null][] = [
      ['GET', 'config', (id) => configPath(id), null],
      ['PUT', 'config', (id) => configPath(id), { test_secret_key: 'sk_test_abcdefgh1234' }],
      ['DELETE', 'config', (id) => configPath(id), null],
      ['GET', 'webhook-urls', (id) => configPath(id, 'webhook-urls'), null],
      [
        'POST',
        'validate-credentials',
        (id) => configPath(id, 'validate-credentials'),
        { secret_key: 'sk_test_abcdefgh1234' },
      ],
    ];

    function send(method: string, path: string, body: object | null) {
      const agent = t.http();
      const req =
        method === 'GET'
          ? agent.get(path)
          : method === 'PUT'
            ? agent.put(path)
            : method === 'DELETE'
              ? agent.delete(path)
              : agent.post(path);
      return body ? req.send(body) : req;
    }

    it.each(endpoints)(
      '%s %s: 401 without token, 403 for another developer, 404 unknown project, 422 malformed id',
      async (method, _name, path, body) => {
        const owner = await registerDeveloper(t);
        const intruder = await registerDeveloper(t);
        const projectId = await createProject(t, owner, 'Secret project name');
        await putConfig(t, owner, projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200);

        const anonymous = await send(method, path(projectId), body).expect(401);
        expect(anonymous.headers['www-authenticate']).toBe('Bearer');
        expect(anonymous.body).toEqual({ detail: 'Not authenticated' });

        const forbidden = await send(method, path(projectId), body).set(intruder.auth).expect(403);
        expect(forbidden.body).toEqual({ detail: 'Not authorized to access this project' });

        const missing = await send(method, path(UNKNOWN_PROJECT), body).set(owner.auth).expect(404);
        expect(missing.body).toEqual({ detail: 'Project not found' });

        const malformed = await send(method, path('123'), body).set(owner.auth).expect(422);
        expect(malformed.body.detail[0]).toMatchObject({ loc: ['path', 'project_id'], type: 'uuid_parsing' });

        // The intruder's attempt changed nothing.
        const stored = await t.http().get(configPath(projectId)).set(owner.auth).expect(200);
        expect(stored.body.is_active).toBe(true);
      },
    );
  });
});
