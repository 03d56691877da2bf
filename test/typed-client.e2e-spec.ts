import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../openapi/schema';
import { fakeKey, uniqueEmail } from './helpers/fixtures';
import { OpenApiResponseValidator } from './helpers/openapi-validator';
import { createTestApp, TestApp } from './helpers/test-app';

// openapi-fetch infers the body type without excess-property checks; `satisfies` adds them, so a
// renamed request field fails the type-check too.
type Schemas = components['schemas'];

/**
 * A client generated from the committed spec (openapi-typescript → openapi/schema.d.ts, driven by
 * openapi-fetch) against the running server. A spec change that breaks these calls fails
 * `npm run typecheck`; a response that does not match the spec fails the middleware below.
 */
describe('typed client generated from openapi/openapi.json', () => {
  let t: TestApp;
  const validator = OpenApiResponseValidator.fromCommittedSpec();
  const checked: string[] = [];
  const validateResponses: Middleware = {
    async onResponse({ request, response }) {
      const text = await response.clone().text();
      const headers = Object.fromEntries(response.headers.entries());
      validator.assertResponse(request.method, request.url, { status: response.status, text, headers });
      checked.push(`${request.method} ${response.status}`);
      return undefined;
    },
  };

  beforeAll(async () => (t = await createTestApp({ listen: true })));
  afterAll(() => t?.close());

  it('register → login → create project → PUT config → GET config → webhook URLs → DELETE → GET shows inactive', async () => {
    const client = createClient<paths>({ baseUrl: t.url });
    client.use(validateResponses);
    const email = uniqueEmail();
    const password = 'correct-horse-battery';

    const registered = await client.POST('/api/v1/auth/register', {
      body: { email, password, full_name: 'Typed Client' } satisfies Schemas['UserCreateRequest'],
    });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.email).toBe(email);

    const login = await client.POST('/api/v1/auth/login', {
      body: { email, password } satisfies Schemas['UserLoginRequest'],
    });
    expect(login.error).toBeUndefined();
    const token = login.data!.access_token;
    expect(login.data!.token_type).toBe('bearer');

    const authed = createClient<paths>({ baseUrl: t.url, headers: { Authorization: `Bearer ${token}` } });
    authed.use(validateResponses);

    const me = await authed.GET('/api/v1/auth/me');
    expect(me.data?.email).toBe(email);

    const created = await authed.POST('/api/v1/projects/', {
      body: { name: 'Typed project' } satisfies Schemas['ProjectCreateRequest'],
    });
    expect(created.response.status).toBe(201);
    const projectId = created.data!.id;
    const params = { path: { project_id: projectId } };

    const secret = fakeKey('sk_test_');
    const put = await authed.PUT('/api/v1/payments/stripe/projects/{project_id}/config', {
      params,
      body: {
        test_secret_key: secret,
        test_publishable_key: fakeKey('pk_test_'),
      } satisfies Schemas['StripeConfigRequest'],
    });
    expect(put.error).toBeUndefined();
    expect(put.data).toMatchObject({ project_id: projectId, is_active: true, has_test_credentials: true });
    expect(put.data!.test_secret_key_masked).toBe(`sk_test_...${secret.slice(-4)}`);
    expect(JSON.stringify(put.data)).not.toContain(secret);

    const got = await authed.GET('/api/v1/payments/stripe/projects/{project_id}/config', { params });
    expect(got.data).toMatchObject({ is_active: true, test_secret_key_masked: `sk_test_...${secret.slice(-4)}` });

    const urls = await authed.GET('/api/v1/payments/stripe/projects/{project_id}/webhook-urls', { params });
    expect(urls.data?.test_webhook_url).toContain(projectId);
    expect(urls.data).toEqual({
      test_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${projectId}/test`,
      live_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${projectId}/live`,
    });

    const deleted = await authed.DELETE('/api/v1/payments/stripe/projects/{project_id}/config', { params });
    expect(deleted.response.status).toBe(204);

    const after = await authed.GET('/api/v1/payments/stripe/projects/{project_id}/config', { params });
    expect(after.data?.is_active).toBe(false);
    expect(after.data?.test_secret_key_masked).toBe(`sk_test_...${secret.slice(-4)}`);

    // Errors come back typed as the documented bodies too.
    const unknown = await authed.GET('/api/v1/projects/{project_id}', {
      params: { path: { project_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' } },
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.detail).toBe('Project not found');

    expect(checked).toEqual([
      'POST 201',
      'POST 200',
      'GET 200',
      'POST 201',
      'PUT 200',
      'GET 200',
      'GET 200',
      'DELETE 204',
      'GET 200',
      'GET 404',
    ]);
  });
});
