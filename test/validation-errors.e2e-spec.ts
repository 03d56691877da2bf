import { createTestApp, TestApp } from './helpers/test-app';
import { configPath, createProject, registerDeveloper } from './helpers/fixtures';

/**
 * One 422 issue per field, saying what is wrong with it, as the reference API (FastAPI) does:
 * a missing required field is `missing` / "Field required", a value of the wrong type is a type
 * error only (no length complaints about something that is not a string).
 */
describe('422 issues name the actual problem (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

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

    const validate = await t.http().post(configPath(projectId, 'validate-credentials')).set(dev.auth).send({});
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

  it('reports a value of the wrong type as a type error only', async () => {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    const res = await t.http().put(configPath(projectId)).set(dev.auth).send({ test_secret_key: 123 }).expect(422);
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
