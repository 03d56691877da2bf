import { configPath, createProject, Developer, fakeKey, putConfig, registerDeveloper } from './helpers/fixtures';
import { createTestApp, startAppWithDeveloper, TestApp } from './helpers/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Audit trail of the Stripe configuration', () => {
  let t: TestApp;
  let dev: Developer;
  let other: Developer;
  beforeAll(async () => {
    ({ t, dev } = await startAppWithDeveloper());
    other = await registerDeveloper(t);
  });
  afterAll(() => t?.close());

  const auditPath = (projectId: string) => configPath(projectId, 'audit-log');

  it('records create, update, deactivate and reactivation: who, when, field names, request id, client IP; newest first', async () => {
    const projectId = await createProject(t, dev);
    const secrets = {
      test_secret_key: fakeKey('sk_test_'),
      test_publishable_key: fakeKey('pk_test_'),
      live_webhook_secret: fakeKey('whsec_'),
      live_secret_key: fakeKey('rk_live_'),
    };
    const started = Date.now();
    await putConfig(t, dev, projectId, {
      test_secret_key: secrets.test_secret_key,
      test_publishable_key: secrets.test_publishable_key,
    })
      .set('X-Request-Id', 'req-create-1')
      .expect(200);
    await putConfig(t, dev, projectId, { live_webhook_secret: secrets.live_webhook_secret, test_secret_key: null })
      .set('X-Request-Id', 'req-update-2')
      .expect(200);
    await t.http().delete(configPath(projectId)).set(dev.auth).set('X-Request-Id', 'req-delete-3').expect(204);
    // No X-Request-Id: one is generated.
    await putConfig(t, dev, projectId, { live_secret_key: secrets.live_secret_key }).expect(200);

    const res = await t.http().get(auditPath(projectId)).set(dev.auth).expect(200);
    expect(res.body).toMatchObject({ total: 4, page: 1, page_size: 20 });
    const items = res.body.items as Record<string, unknown>[];
    expect(items.map((i) => [i.action, i.changed_fields, i.request_id])).toEqual([
      ['update', ['live_secret_key', 'is_active'], expect.stringMatching(UUID)],
      ['deactivate', ['is_active'], 'req-delete-3'],
      ['update', ['live_webhook_secret'], 'req-update-2'],
      ['create', ['test_secret_key', 'test_publishable_key'], 'req-create-1'],
    ]);
    for (const item of items) {
      expect(item.user_id).toBe(dev.id);
      expect(item.project_id).toBe(projectId);
      expect(item.client_ip).toMatch(/127\.0\.0\.1|::1/);
      const at = new Date(item.created_at as string).getTime();
      expect(at).toBeGreaterThanOrEqual(started - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // Names only: no value, masked form or ciphertext of any credential is stored in the log.
    const stored = JSON.stringify((await t.db.query('SELECT * FROM audit_log')).rows);
    for (const value of Object.values(secrets)) {
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(value.slice(-4 - 8));
      expect(JSON.stringify(res.body)).not.toContain(value);
    }
    expect(JSON.stringify(res.body)).not.toMatch(/(sk|rk|pk)_(test|live)_|whsec_|v1:/);
  });

  it('paginates with page and page_size, newest first', async () => {
    const projectId = await createProject(t, dev);
    for (let i = 0; i < 5; i += 1) {
      await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_') })
        .set('X-Request-Id', `req-${i}`)
        .expect(200);
    }
    const page1 = await t
      .http()
      .get(`${auditPath(projectId)}?page_size=2`)
      .set(dev.auth)
      .expect(200);
    const page2 = await t
      .http()
      .get(`${auditPath(projectId)}?page=2&page_size=2`)
      .set(dev.auth)
      .expect(200);
    const page3 = await t
      .http()
      .get(`${auditPath(projectId)}?page=3&page_size=2`)
      .set(dev.auth)
      .expect(200);
    expect(page1.body).toMatchObject({ total: 5, page: 1, page_size: 2 });
    expect(page3.body).toMatchObject({ total: 5, page: 3, page_size: 2 });
    expect(page3.body.items).toHaveLength(1);
    const ids = [...page1.body.items, ...page2.body.items, ...page3.body.items].map(
      (i: { request_id: string }) => i.request_id,
    );
    expect(ids).toEqual(['req-4', 'req-3', 'req-2', 'req-1', 'req-0']);
  });

  it('rejected requests (412, 422) record nothing', async () => {
    const projectId = await createProject(t, dev);
    await putConfig(t, dev, projectId, { test_secret_key: 'nope' }).expect(422);
    await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_') })
      .set('If-Match', '"1"')
      .expect(412);
    await t.http().delete(configPath(projectId)).set(dev.auth).expect(404);
    const res = await t.http().get(auditPath(projectId)).set(dev.auth).expect(200);
    expect(res.body).toEqual({ items: [], total: 0, page: 1, page_size: 20 });
  });

  it('is for the owner only: 403 for another developer, 401 without a token, 404/422 for bad ids', async () => {
    const projectId = await createProject(t, dev);
    await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_') });
    const res = await t.http().get(auditPath(projectId)).set(other.auth).expect(403);
    expect(res.body).toEqual({ detail: 'Not authorized to access this project' });
    await t.http().get(auditPath(projectId)).expect(401);
    await t.http().get(auditPath('3fa85f64-5717-4562-b3fc-2c963f66afa6')).set(dev.auth).expect(404);
    await t.http().get(auditPath('not-a-uuid')).set(dev.auth).expect(422);
  });

  it.each([
    ['page_size=0'],
    ['page_size=101'],
    ['page_size=abc'],
    ['page=0'],
    ['page=-1'],
    ['page_size=1.5'],
    ['page=1&page=2'],
    ['limit=2'],
  ])('rejects the query %s with a 422 body', async (query) => {
    const projectId = await createProject(t, dev);
    const res = await t
      .http()
      .get(`${auditPath(projectId)}?${query}`)
      .set(dev.auth)
      .expect(422);
    expect(res.body.detail[0]).toEqual({
      loc: expect.arrayContaining(['query']),
      msg: expect.any(String),
      type: expect.any(String),
    });
  });
});

describe('Client IP behind a load balancer (TRUST_PROXY)', () => {
  const clientIpOfOneWrite = async (env: Record<string, string>) => {
    const t = await createTestApp({ env });
    try {
      const dev = await registerDeveloper(t);
      const projectId = await createProject(t, dev);
      await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_') })
        .set('X-Forwarded-For', '203.0.113.7')
        .expect(200);
      const res = await t.http().get(configPath(projectId, 'audit-log')).set(dev.auth).expect(200);
      return (res.body.items as { client_ip: string }[])[0].client_ip;
    } finally {
      await t.close();
    }
  };

  it('ignores X-Forwarded-For by default: a client cannot choose its IP', async () => {
    expect(await clientIpOfOneWrite({})).toMatch(/127\.0\.0\.1|::1/);
  });

  it('takes the client IP from X-Forwarded-For when the proxy in front is trusted', async () => {
    expect(await clientIpOfOneWrite({ TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1' })).toBe('203.0.113.7');
  });
});
