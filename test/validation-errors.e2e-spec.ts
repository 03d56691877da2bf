import { createTestApp, TestApp } from './helpers/test-app';
import { createProject, putConfig, registerDeveloper, validateCredentials } from './helpers/fixtures';

/**
 * One 422 issue per field, saying what is wrong with it, as the reference API (FastAPI) does:
 * a missing required field is `missing` / "Field required", a value of the wrong type is a type
 * error only (no length complaints about something that is not a string).
 */
describe('422 issues name the actual problem (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t?.close());

  it('reports each missing required field once as "Field required" / missing', async () => {
    const login = await t.http().post('/api/v1/auth/login').send({}).expect(422);
    expect(login.body.detail).toEqual([
      { loc: ['body', 'email'], msg: 'Field required', type: 'missing' },
      { loc: ['body', 'password'], msg: 'Field required', type: 'missing' },
    ]);

    const register = await t.http().post('/api/v1/auth/register').send({ email: 'a@example.com' }).expect(422);
    expect(register.body.detail).toEqual([{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }]);

    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    const project = await t.http().post('/api/v1/projects/').set(dev.auth).send({}).expect(422);
    expect(project.body.detail).toEqual([{ loc: ['body', 'name'], msg: 'Field required', type: 'missing' }]);

    const validate = await validateCredentials(t, dev, projectId, {});
    expect(validate.status).toBe(422);
    expect(validate.body.detail).toEqual([{ loc: ['body', 'secret_key'], msg: 'Field required', type: 'missing' }]);
  });

  it('names the OAuth2 form fields (username, password) when the form login is incomplete', async () => {
    const res = await t.http().post('/api/v1/auth/login').type('form').send({ grant_type: 'password' }).expect(422);
    expect(res.body.detail).toEqual([
      { loc: ['body', 'username'], msg: 'Field required', type: 'missing' },
      { loc: ['body', 'password'], msg: 'Field required', type: 'missing' },
    ]);
  });

  it('answers 422 for a project_id that is not even valid percent-encoding (never an undocumented 400)', async () => {
    const dev = await registerDeveloper(t);
    for (const path of [
      '/api/v1/projects/%E0%A4%A',
      '/api/v1/payments/stripe/projects/%E0%A4%A/config',
      '/api/v1/payments/stripe/projects/%ZZ/webhook-urls',
    ]) {
      const res = await t.http().get(path).set(dev.auth);
      expect({ path, status: res.status }).toEqual({ path, status: 422 });
      expect(res.body.detail).toEqual([
        { loc: ['path', 'project_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' },
      ]);
    }
    const receiver = await t.http().post('/api/v1/payments/stripe/webhooks/%E0%A4%A/test').send({}).expect(422);
    expect(receiver.body.detail[0].loc).toEqual(['path', 'project_id']);
    const mode = await t
      .http()
      .post('/api/v1/payments/stripe/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6/%ZZ')
      .send({})
      .expect(422);
    expect(mode.body.detail[0].loc).toEqual(['path', 'mode']);
  });

  it('reports a value of the wrong type as a type error only', async () => {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    const res = await putConfig(t, dev, projectId, { test_secret_key: 123 }).expect(422);
    expect(res.body.detail).toEqual([
      { loc: ['body', 'test_secret_key'], msg: 'test_secret_key must be a string', type: 'string_type' },
    ]);

    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: ['x'], password: 'abcdefgh' })
      .expect(422);
    expect(login.body.detail).toHaveLength(1);
    expect(login.body.detail[0]).toMatchObject({ loc: ['body', 'email'], type: 'string_type' });
  });
});
