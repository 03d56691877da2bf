import { registerDeveloper } from './helpers/fixtures';
import { OpenApiResponseValidator } from './helpers/openapi-validator';
import { createTestApp, TestApp } from './helpers/test-app';

/** The checker every e2e test's `t.http()` runs on each response: it must reject what the spec does not promise. */
describe('responses are checked against openapi/openapi.json', () => {
  const validator = OpenApiResponseValidator.fromCommittedSpec();
  const json = (status: number, body: unknown) => ({
    status,
    text: JSON.stringify(body),
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  const project = {
    id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
    name: 'P',
    description: null,
    is_active: true,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: null,
  };

  it('accepts a documented status with a body of the documented shape (trailing slash or not)', () => {
    expect(validator.problems('get', '/api/v1/projects/', json(200, [project]))).toEqual([]);
    expect(validator.problems('get', '/api/v1/projects', json(200, [project]))).toEqual([]);
    expect(
      validator.problems('get', `/api/v1/projects/${project.id}`, json(404, { detail: 'Project not found' })),
    ).toEqual([]);
  });

  it('rejects an undocumented status', () => {
    expect(validator.problems('get', '/api/v1/projects/', json(418, { detail: 'teapot' }))).toEqual([
      expect.stringContaining('status 418 is not documented'),
    ]);
  });

  it('rejects a field of the wrong type, a missing required field and an undocumented field', () => {
    const problems = validator.problems(
      'get',
      `/api/v1/projects/${project.id}`,
      json(200, { ...project, is_active: 'yes', name: undefined, secret: 'x' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('body/is_active must be boolean'),
        expect.stringContaining("must have required property 'name'"),
        expect.stringContaining('must NOT have additional properties'),
      ]),
    );
  });

  it('rejects a malformed uuid or date-time, an error body of the wrong shape and a non-JSON body', () => {
    const path = `/api/v1/projects/${project.id}`;
    expect(validator.problems('get', path, json(200, { ...project, id: 'nope' }))).toEqual([
      expect.stringContaining('must match format "uuid"'),
    ]);
    expect(validator.problems('get', path, json(200, { ...project, created_at: 'yesterday' }))).toEqual([
      expect.stringContaining('must match format "date-time"'),
    ]);
    expect(validator.problems('get', path, json(404, { message: 'Not Found' })).length).toBeGreaterThan(0);
    expect(
      validator.problems('get', path, { status: 200, text: '<html>', headers: { 'content-type': 'text/html' } }),
    ).toEqual([expect.stringContaining('content type "text/html" is not documented')]);
  });

  it('rejects a body on a response documented without one, and paths or methods the spec lacks', () => {
    const config = `/api/v1/payments/stripe/projects/${project.id}/config`;
    expect(validator.problems('delete', config, { status: 204, text: '', headers: {} })).toEqual([]);
    expect(validator.problems('delete', config, json(204, { ok: true }))).toEqual([
      expect.stringContaining('documents no body'),
    ]);
    expect(validator.problems('get', '/api/v1/nothing-here', json(404, { detail: 'x' }))).toEqual([
      expect.stringContaining('no such path'),
    ]);
    expect(validator.problems('patch', config, json(404, { detail: 'x' }))).toEqual([
      expect.stringContaining('PATCH /api/v1/payments/stripe/projects/{project_id}/config is not in the spec'),
    ]);
  });

  describe('through t.http()', () => {
    let t: TestApp;
    beforeAll(async () => (t = await createTestApp()));
    afterAll(() => t?.close());

    it('fails a request whose response the spec does not document, unless validation is turned off', async () => {
      const dev = await registerDeveloper(t);
      // Nest answers 404 for a method the route does not have; the spec has no such operation.
      await expect(t.http().patch('/api/v1/auth/me').set(dev.auth).expect(404)).rejects.toThrow(
        'PATCH /api/v1/auth/me is not in the spec',
      );
      await t.http({ validate: false }).patch('/api/v1/auth/me').set(dev.auth).expect(404);
    });
  });
});
