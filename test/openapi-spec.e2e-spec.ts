import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateOpenApiDocument } from '../src/app.openapi';
import { EXAMPLE_CREDENTIALS, isExampleCredential } from '../src/stripe-config/example-credentials';
import { CREDENTIAL_FIELDS, CREDENTIAL_RULES } from '../src/stripe/stripe-keys';
import { COMMITTED_SPEC_PATH } from './helpers/openapi-validator';
import { createTestApp, TestApp } from './helpers/test-app';

type JsonObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const committed = JSON.parse(readFileSync(COMMITTED_SPEC_PATH, 'utf8')) as JsonObject;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = Object.entries(committed.paths as JsonObject).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as JsonObject })),
);
const label = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;

/** Every string in the document with where it is, for the "no real key" scan. */
function strings(node: unknown, at = '#'): { at: string; value: string }[] {
  if (typeof node === 'string') return [{ at, value: node }];
  if (Array.isArray(node)) return node.flatMap((v, i) => strings(v, `${at}/${i}`));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => strings(v, `${at}/${k}`));
  return [];
}

describe('openapi/openapi.json', () => {
  it('is what the decorators generate (run `npm run openapi` after changing them)', async () => {
    const generated = JSON.parse(JSON.stringify(await generateOpenApiDocument())) as JsonObject;
    expect(committed).toEqual(generated);
    expect(parse(readFileSync(join(COMMITTED_SPEC_PATH, '..', 'openapi.yaml'), 'utf8'))).toEqual(generated);
  });

  it('is OpenAPI 3.1 with no 3.0-only `nullable`', () => {
    expect(committed.openapi).toBe('3.1.0');
    expect(strings(committed).length).toBeGreaterThan(100);
    expect(JSON.stringify(committed)).not.toContain('"nullable"');
  });

  it('contains nothing that looks like a real Stripe key: examples are masked or the test-mode documentation examples', () => {
    const keyLike = /\b(?:(?:sk|rk|pk)_(?:test|live)|whsec)_[A-Za-z0-9]{8,}/;
    const found = strings(committed).filter(({ value }) => keyLike.test(value));
    // The request examples (see example-credentials.ts): test mode, spelled EXAMPLE..., and nothing else.
    expect(found.filter(({ value }) => !isExampleCredential(value) || /_live_/.test(value))).toEqual([]);
    expect(found.map(({ value }) => value).sort()).toEqual(
      [...Object.values(EXAMPLE_CREDENTIALS), EXAMPLE_CREDENTIALS.test_secret_key].sort(),
    );
    // The scan itself works: a masked value passes, a key-shaped one is caught.
    expect(keyLike.test('sk_test_...aBcD')).toBe(false);
    expect(keyLike.test('example: sk_live_51AbCdEfGhIj')).toBe(true);
  });

  it('gives every stored credential its prefix rule as a pattern', () => {
    const request = committed.components.schemas.StripeConfigRequest.properties as JsonObject;
    for (const field of CREDENTIAL_FIELDS) {
      expect({ field, pattern: request[field]?.pattern }).toEqual({ field, pattern: CREDENTIAL_RULES[field].pattern });
    }
    expect(request.test_secret_key.pattern).toBe('^(sk|rk)_test_[A-Za-z0-9]{8,}$');
  });

  it('declares no pattern for the key validate-credentials checks (any string is answered), and says the pk_ rule', () => {
    const secretKey = committed.components.schemas.ValidateStripeCredentialsRequest.properties.secret_key as JsonObject;
    expect(secretKey.pattern).toBeUndefined();
    expect(secretKey.description).toContain('publishable key (pk_) is a 422');
    expect(secretKey.description).toContain('valid: false');
  });

  it('states that a PUT with nothing to change is a 422', () => {
    const put = committed.paths['/api/v1/payments/stripe/projects/{project_id}/config'].put as JsonObject;
    expect(put.description).toContain('`{}`, or only nulls) is a 422');
  });

  it('gives the config its version in the body, documented as the ETag', () => {
    const response = committed.components.schemas.StripeConfigResponse as JsonObject;
    expect(response.required).toContain('version');
    expect(response.properties.version).toEqual(
      expect.objectContaining({ type: 'integer', description: expect.stringContaining('`"7"` for 7) is the `ETag`') }),
    );
  });

  it('lists path parameters in the order the path names them', () => {
    for (const o of operations) {
      const inPath = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = ((o.op.parameters ?? []) as JsonObject[]).filter((p) => p.in === 'path').map((p) => p.name);
      expect({ at: label(o), declared }).toEqual({ at: label(o), declared: inPath });
      // Path parameters come first: positional clients take them in the URL's order.
      const first = ((o.op.parameters ?? []) as JsonObject[]).slice(0, inPath.length).map((p) => p.name);
      expect({ at: label(o), first }).toEqual({ at: label(o), first: inPath });
    }
    const event = committed.paths['/api/v1/payments/stripe/projects/{project_id}/webhook-events/{webhook_event_id}'];
    expect((event.get.parameters as JsonObject[]).map((p) => p.name)).toEqual(['project_id', 'webhook_event_id']);
  });

  it('describes every response in its own words: no empty success, no bearer text on login, no undeclared header', () => {
    for (const o of operations) {
      const declared = new Set(
        ((o.op.parameters ?? []) as JsonObject[]).filter((p) => p.in === 'header').map((p) => p.name),
      );
      for (const [status, response] of Object.entries(o.op.responses as JsonObject)) {
        const at = `${label(o)} ${status}`;
        expect({ at, description: response.description }).toEqual({ at, description: expect.stringMatching(/\S/) });
        const headers = [...String(response.description).matchAll(/\bX-[A-Za-z-]+/g)].map((m) => m[0]);
        expect({ at, undeclared: headers.filter((h) => !declared.has(h)) }).toEqual({ at, undeclared: [] });
      }
    }
    const login = committed.paths['/api/v1/auth/login'].post as JsonObject;
    const me = committed.paths['/api/v1/auth/me'].get as JsonObject;
    expect(login.responses['401'].description).not.toEqual(me.responses['401'].description);
    expect(login.responses['401'].description).toMatch(/email or password/);
  });

  it("lists each tag's operations in the order a person meets them, as the reference does", () => {
    const byTag = new Map<string, string[]>();
    for (const o of operations) {
      const tag = (o.op.tags as string[])[0];
      byTag.set(tag, [...(byTag.get(tag) ?? []), o.op.operationId as string]);
    }
    expect(byTag.get('Authentication')).toEqual(['register', 'login', 'getCurrentUser']);
    expect(byTag.get('Project Management')).toEqual(['listProjects', 'createProject', 'getProject']);
    expect(byTag.get('Stripe Configuration')?.slice(0, 5)).toEqual([
      'getStripeConfig',
      'updateStripeConfig',
      'deleteStripeConfig',
      'getWebhookUrls',
      'validateStripeCredentials',
    ]);
    expect(byTag.get('Stripe Webhooks')?.slice(0, 4)).toEqual([
      'createWebhookEndpoint',
      'receiveStripeWebhook',
      'listWebhookEvents',
      'getWebhookEvent',
    ]);
  });

  it('says in the register example that the email must be new (a second try with it is a 409)', () => {
    const register = committed.paths['/api/v1/auth/register'].post as JsonObject;
    expect(register.requestBody.content['application/json'].examples.example.summary).toMatch(/email must be new/);
    expect(register.description).toMatch(/must not be registered yet \(else 409\)/);
  });

  it('has short, unique, camelCase operationIds, a summary, a description and a declared tag on every operation', () => {
    const declaredTags = new Set((committed.tags as { name: string }[]).map((t) => t.name));
    const ids = operations.map(({ op }) => op.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of operations) {
      const { operationId, summary, description, tags } = o.op;
      expect({ at: label(o), operationId, ok: /^[a-z][A-Za-z]{2,39}$/.test(operationId) }).toEqual({
        at: label(o),
        operationId,
        ok: true,
      });
      expect({ at: label(o), summary: !!summary, description: !!description }).toEqual({
        at: label(o),
        summary: true,
        description: true,
      });
      expect({ at: label(o), tags: (tags as string[]).filter((t) => !declaredTags.has(t)) }).toEqual({
        at: label(o),
        tags: [],
      });
      expect(tags.length).toBeGreaterThan(0);
    }
    expect(ids).toEqual(expect.arrayContaining(['getStripeConfig', 'updateStripeConfig', 'deleteStripeConfig']));
  });

  it('documents the error responses each operation can give, each with a body schema', () => {
    const missing: string[] = [];
    for (const o of operations) {
      const responses = o.op.responses as JsonObject;
      const secured = (o.op.security as unknown[]).length > 0;
      const hasPathParams = ((o.op.parameters ?? []) as JsonObject[]).some((p) => p.in === 'path');
      const expected = [
        ...(secured ? ['401', '403'] : []),
        ...(hasPathParams ? ['404', '422'] : []),
        ...(o.op.requestBody ? ['413', '422'] : []),
        // Everything but the liveness probe reads the database: 503 while it is unreachable.
        ...(o.path !== '/api/v1/health' ? ['503'] : []),
      ];
      for (const status of expected) if (!responses[status]) missing.push(`${label(o)} ${status}`);
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400) {
          const ref = response.content?.['application/json']?.schema?.$ref;
          const want = status === '422' ? 'HTTPValidationError' : 'HTTPError';
          if (ref !== `#/components/schemas/${want}`) missing.push(`${label(o)} ${status} body schema ${want}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives login its JSON body first and the OAuth2 form it also takes', () => {
    const login = committed.paths['/api/v1/auth/login'].post as JsonObject;
    expect(Object.keys(login.requestBody.content as JsonObject)).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    // One schema for both: generators make one JSON argument of it (see the login comment).
    for (const media of Object.values(login.requestBody.content as JsonObject)) {
      expect(media.schema).toEqual({ $ref: '#/components/schemas/UserLoginRequest' });
    }
    for (const word of ['application/x-www-form-urlencoded', '`username` (the email)', 'password', '415']) {
      expect(login.description).toContain(word);
    }
    expect(login.responses['415'].content['application/json'].example).toEqual({
      detail: 'Content-Type must be application/json or application/x-www-form-urlencoded (got text/plain)',
    });
  });

  it('gives every request body an example (what Swagger UI pre-fills), credentials test-mode only', () => {
    const bodies = operations.filter((o) => o.op.requestBody);
    expect(bodies.length).toBeGreaterThan(5);
    for (const o of bodies) {
      const examples = o.op.requestBody.content['application/json'].examples as JsonObject;
      expect({ at: label(o), value: examples?.example?.value }).toEqual({ at: label(o), value: expect.any(Object) });
    }
    const put = committed.paths['/api/v1/payments/stripe/projects/{project_id}/config'].put as JsonObject;
    expect(Object.keys(put.requestBody.content['application/json'].examples.example.value as JsonObject)).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^live_/)]),
    );
  });

  it('gives each error status its own example: a message the service really sends', () => {
    const examples = new Map<string, Set<string>>();
    for (const o of operations) {
      for (const [status, response] of Object.entries(o.op.responses as JsonObject)) {
        if (Number(status) < 400) continue;
        const example = response.content['application/json'].example as { detail: unknown };
        expect({ at: `${label(o)} ${status}`, example }).toEqual({
          at: `${label(o)} ${status}`,
          example: expect.anything(),
        });
        const text = JSON.stringify(example.detail);
        examples.set(status, (examples.get(status) ?? new Set()).add(text));
      }
    }
    // No status borrows another's message (the old spec showed "Project not found" for all of them).
    const owners = new Map<string, string>();
    for (const [status, texts] of examples) {
      for (const text of texts) {
        expect({ text, status: owners.get(text) ?? status }).toEqual({ text, status });
        owners.set(text, status);
      }
    }
    const get = committed.paths['/api/v1/payments/stripe/projects/{project_id}/config'].get as JsonObject;
    expect(get.responses['422'].content['application/json'].example.detail[0].loc).toEqual(['path', 'project_id']);
  });

  it('has distinct summaries', () => {
    const summaries = operations.map((o) => o.op.summary as string);
    expect(new Set(summaries).size).toBe(summaries.length);
    expect(committed.paths['/api/v1/auth/me'].get.summary).toBe('Get Current User');
  });

  it('names an absolute server for generated clients', () => {
    expect(committed.servers).toEqual([{ url: 'http://127.0.0.1:3000', description: expect.any(String) }]);
  });

  it('always sends the masked credentials (required, null when not set), as generated types should say', () => {
    const response = committed.components.schemas.StripeConfigResponse as JsonObject;
    for (const field of CREDENTIAL_FIELDS) {
      expect(response.required).toContain(`${field}_masked`);
      expect(response.properties[`${field}_masked`].type).toEqual(['string', 'null']);
    }
  });

  it('offers the OAuth2 password flow (tokenUrl = the login operation) or a pasted bearer token, each operation either', () => {
    const schemes = committed.components.securitySchemes as JsonObject;
    expect(Object.keys(schemes)).toEqual(['HTTPBearer', 'OAuth2PasswordBearer']);
    expect(schemes.OAuth2PasswordBearer).toEqual({
      type: 'oauth2',
      description: expect.stringContaining("**username** is the account's email"),
      flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } },
    });
    expect(schemes.HTTPBearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(committed.paths['/api/v1/auth/login'].post).toBeDefined();
    const secured = operations.filter((o) => o.op.security.length > 0);
    expect(secured.length).toBeGreaterThan(10);
    for (const o of secured) {
      expect({ at: label(o), security: o.op.security }).toEqual({
        at: label(o),
        security: [{ OAuth2PasswordBearer: [] }, { HTTPBearer: [] }],
      });
    }
  });

  describe('as served', () => {
    let t: TestApp;
    beforeAll(async () => (t = await createTestApp()));
    afterAll(() => t?.close());

    it('is the committed spec at /openapi.json and /openapi.yaml, with the serving origin as its server', async () => {
      const served = { ...committed, servers: [{ url: 'http://docs.example.test:8080', description: 'This server' }] };
      const json = await t.http().get('/openapi.json').set('Host', 'docs.example.test:8080').expect(200);
      expect(json.body).toEqual(served);
      const yaml = await t.http().get('/openapi.yaml').set('Host', 'docs.example.test:8080').expect(200);
      expect(parse(yaml.text)).toEqual(served);
      // A Host that is not a plain host[:port] is not written into the document.
      const odd = await t.http().get('/openapi.json').set('Host', 'x"><script>').expect(200);
      expect(odd.body.servers).toEqual([{ url: '/', description: 'This server' }]);
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await t.http().get('/docs').expect(200);
      expect(res.text).toContain('swagger-ui');
    });
  });
});
