import { createTestApp, TestApp } from './helpers/test-app';
import { createProject, registerDeveloper } from './helpers/fixtures';

describe('Projects (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t?.close());

  it('creates a project and answers 201 with its id (with and without trailing slash)', async () => {
    const dev = await registerDeveloper(t);
    const withSlash = await t
      .http()
      .post('/api/v1/projects/')
      .set(dev.auth)
      .send({ name: 'One', description: 'first' })
      .expect(201);
    expect(Object.keys(withSlash.body)).toEqual(['id']);
    const withoutSlash = await t.http().post('/api/v1/projects').set(dev.auth).send({ name: 'Two' }).expect(201);
    expect(withoutSlash.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("lists only the caller's own projects", async () => {
    const alice = await registerDeveloper(t);
    const bob = await registerDeveloper(t);
    const a1 = await createProject(t, alice, 'A1');
    const b1 = await createProject(t, bob, 'B1');
    const res = await t.http().get('/api/v1/projects/').set(alice.auth).expect(200);
    const ids = res.body.map((p: { id: string }) => p.id);
    expect(ids).toContain(a1);
    expect(ids).not.toContain(b1);
    expect(res.body[0]).toEqual({
      id: a1,
      name: 'A1',
      description: null,
      is_active: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    await t.http().get('/api/v1/projects').set(bob.auth).expect(200);
  });

  it("gets one project; 403 for another developer's, 404 for none, 422 for a malformed id", async () => {
    const alice = await registerDeveloper(t);
    const bob = await registerDeveloper(t);
    const id = await createProject(t, alice, 'Mine');
    const res = await t.http().get(`/api/v1/projects/${id}`).set(alice.auth).expect(200);
    expect(res.body).toMatchObject({ id, name: 'Mine' });
    const forbidden = await t.http().get(`/api/v1/projects/${id}`).set(bob.auth).expect(403);
    expect(forbidden.body).toEqual({ detail: 'Not authorized to access this project' });
    expect(JSON.stringify(forbidden.body)).not.toContain('Mine');
    const missing = await t
      .http()
      .get('/api/v1/projects/3fa85f64-5717-4562-b3fc-2c963f66afa6')
      .set(alice.auth)
      .expect(404);
    expect(missing.body).toEqual({ detail: 'Project not found' });
    const malformed = await t.http().get('/api/v1/projects/not-a-uuid').set(alice.auth).expect(422);
    expect(malformed.body.detail[0]).toMatchObject({ loc: ['path', 'project_id'], type: 'uuid_parsing' });
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ name: 'ok', description: 'd'.repeat(1001) }, 'description'],
    [{ name: 42 }, 'name'],
  ])('rejects %j with 422 at %s', async (body, field) => {
    const dev = await registerDeveloper(t);
    const res = await t.http().post('/api/v1/projects/').set(dev.auth).send(body).expect(422);
    expect(res.body.detail.map((d: { loc: string[] }) => d.loc)).toContainEqual(['body', field]);
  });

  it('needs a bearer token', async () => {
    await t.http().get('/api/v1/projects/').expect(401);
    await t.http().post('/api/v1/projects/').send({ name: 'x' }).expect(401);
  });
});
