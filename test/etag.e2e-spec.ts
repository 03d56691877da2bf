import { configPath, createProject, Developer, fakeKey } from './helpers/fixtures';
import { configSnapshot } from './helpers/stored-config';
import { startAppWithDeveloper, TestApp } from './helpers/test-app';

describe('ETag / If-Match on the Stripe configuration', () => {
  let t: TestApp;
  let dev: Developer;
  beforeAll(async () => ({ t, dev } = await startAppWithDeveloper()));
  afterAll(() => t?.close());

  const put = (projectId: string, body: object, ifMatch?: string) => {
    const req = t.http().put(configPath(projectId)).set(dev.auth);
    return ifMatch === undefined ? req.send(body) : req.set('If-Match', ifMatch).send(body);
  };
  const storedVersion = async (projectId: string) =>
    (await t.db.query('SELECT version FROM stripe_configs WHERE project_id = $1', [projectId])).rows[0]?.version;

  it('GET without a config: JSON null and no ETag', async () => {
    const projectId = await createProject(t, dev);
    const res = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
    expect(res.body).toBeNull();
    expect(res.headers.etag).toBeUndefined();
  });

  it('PUT and GET return the stored version as a strong ETag "<version>"', async () => {
    const projectId = await createProject(t, dev);
    const first = await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200);
    expect(first.headers.etag).toBe(`"${await storedVersion(projectId)}"`);
    const get = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
    expect(get.headers.etag).toBe(first.headers.etag);
    const second = await put(projectId, { live_secret_key: fakeKey('sk_live_') }).expect(200);
    expect(second.headers.etag).toBe(`"${await storedVersion(projectId)}"`);
    expect(second.headers.etag).not.toBe(first.headers.etag);
  });

  it('PUT with a stale If-Match: 412 naming the current version, nothing written', async () => {
    const projectId = await createProject(t, dev);
    const stale = (await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200)).headers.etag;
    const current = (await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200)).headers.etag;
    const before = await configSnapshot(t.db, projectId);
    const res = await put(projectId, { live_secret_key: fakeKey('sk_live_') }, stale).expect(412);
    const version = await storedVersion(projectId);
    expect(res.body).toEqual({ detail: expect.stringContaining(`version ${version}`) });
    expect(res.body.detail).toContain(current);
    expect(await configSnapshot(t.db, projectId)).toBe(before);
  });

  it('PUT with the current If-Match ("v", or in a list) is applied', async () => {
    const projectId = await createProject(t, dev);
    let etag = (await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200)).headers.etag;
    for (const form of [(e: string) => e, (e: string) => `"999999", ${e}`, (e: string) => `W/${e}, ${e}`]) {
      const key = fakeKey('sk_live_');
      const res = await put(projectId, { live_secret_key: key }, form(etag)).expect(200);
      expect(res.body.live_secret_key_masked).toBe(`sk_live_...${key.slice(-4)}`);
      expect(res.headers.etag).not.toBe(etag);
      etag = res.headers.etag;
    }
    expect(etag).toBe(`"${await storedVersion(projectId)}"`);
  });

  it('If-Match compares entity tags strongly and exactly: "066", W/"66", "+66" do not match version 66 (412)', async () => {
    const projectId = await createProject(t, dev);
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200);
    await t.db.query('UPDATE stripe_configs SET version = 66 WHERE project_id = $1', [projectId]);
    const before = await configSnapshot(t.db, projectId);
    for (const tag of ['"066"', 'W/"66"', '"66a"', '"+66"', '"66.0"', '"6,6"']) {
      const res = await put(projectId, { live_secret_key: fakeKey('sk_live_') }, tag).expect(412);
      expect(res.body.detail).toContain('version 66');
    }
    expect(await configSnapshot(t.db, projectId)).toBe(before);
    await put(projectId, { live_secret_key: fakeKey('sk_live_') }, '"66"').expect(200);
  });

  it('DELETE honours If-Match: a stale, weak or padded tag is a 412 and nothing changes; the current one deactivates', async () => {
    const projectId = await createProject(t, dev);
    const stale = (await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200)).headers.etag;
    const current = (await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200)).headers.etag;
    const del = (ifMatch: string) => t.http().delete(configPath(projectId)).set(dev.auth).set('If-Match', ifMatch);
    const before = await configSnapshot(t.db, projectId);
    const auditRows = async () =>
      Number((await t.db.query('SELECT count(*) FROM audit_log WHERE project_id = $1', [projectId])).rows[0].count);
    const audited = await auditRows();
    for (const tag of [stale, `W/${current}`, current.replace('"', '"0')]) {
      const res = await del(tag).expect(412);
      expect(res.body).toEqual({ detail: expect.stringContaining(`ETag ${current}`) });
    }
    expect(await configSnapshot(t.db, projectId)).toBe(before);
    expect(await auditRows()).toBe(audited);
    const malformed = await del('7').expect(422);
    expect(malformed.body.detail[0]).toMatchObject({ loc: ['header', 'if-match'] });
    await del(`"1", ${current}`).expect(204);
    const { rows } = await t.db.query('SELECT is_active FROM stripe_configs WHERE project_id = $1', [projectId]);
    expect(rows[0].is_active).toBe(false);
    // The deactivation bumped the version: the same tag is now stale; * matches any existing config.
    await del(current).expect(412);
    await del('*').expect(204);
  });

  it('DELETE with If-Match on a project without a config: 412; without If-Match: 404 as before', async () => {
    const projectId = await createProject(t, dev);
    await t.http().delete(configPath(projectId)).set(dev.auth).set('If-Match', '*').expect(412);
    await t.http().delete(configPath(projectId)).set(dev.auth).set('If-Match', '"1"').expect(412);
    await t.http().delete(configPath(projectId)).set(dev.auth).expect(404);
  });

  it('PUT without If-Match is applied as before; If-Match: * needs an existing config', async () => {
    const projectId = await createProject(t, dev);
    const res = await put(projectId, { test_secret_key: fakeKey('sk_test_') }, '*').expect(412);
    expect(res.body.detail).toMatch(/does not exist/);
    expect(await storedVersion(projectId)).toBeUndefined();
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200);
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }, '*').expect(200);
  });

  it('If-Match on a project without a config: 412 and no row created', async () => {
    const projectId = await createProject(t, dev);
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }, '"1"').expect(412);
    expect(await storedVersion(projectId)).toBeUndefined();
  });

  it('a malformed If-Match is a 422 at ["header", "if-match"], nothing written', async () => {
    const projectId = await createProject(t, dev);
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200);
    const before = await configSnapshot(t.db, projectId);
    for (const bad of ['7', 'W/7', '"7', 'abc', '"7" "8"']) {
      const res = await put(projectId, { test_secret_key: fakeKey('sk_test_') }, bad).expect(422);
      expect(res.body.detail[0]).toMatchObject({ loc: ['header', 'if-match'], type: 'value_error' });
    }
    expect(await configSnapshot(t.db, projectId)).toBe(before);
  });

  it('DELETE bumps the version: the old ETag no longer matches', async () => {
    const projectId = await createProject(t, dev);
    const etag = (await put(projectId, { test_secret_key: fakeKey('sk_test_') }).expect(200)).headers.etag;
    await t.http().delete(configPath(projectId)).set(dev.auth).expect(204);
    const get = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
    expect(get.headers.etag).not.toBe(etag);
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }, etag).expect(412);
    await put(projectId, { test_secret_key: fakeKey('sk_test_') }, get.headers.etag).expect(200);
  });

  it('documents ETag and If-Match (and 412) in the OpenAPI spec', async () => {
    const spec = (await t.http().get('/openapi.json').expect(200)).body;
    const put = spec.paths['/api/v1/payments/stripe/projects/{project_id}/config'].put;
    const get = spec.paths['/api/v1/payments/stripe/projects/{project_id}/config'].get;
    expect(put.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'If-Match', in: 'header' })]),
    );
    expect(put.responses['412']).toBeDefined();
    const del = spec.paths['/api/v1/payments/stripe/projects/{project_id}/config'].delete;
    expect(del.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'If-Match', in: 'header' })]),
    );
    expect(del.responses['412']).toBeDefined();
    expect(put.responses['200'].headers.ETag).toBeDefined();
    expect(get.responses['200'].headers.ETag).toBeDefined();
  });
});
