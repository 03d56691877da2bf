import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateOpenApiDocument } from '../src/openapi/generate-document';
import { CREDENTIAL_FIELDS, CREDENTIAL_RULES } from '../src/stripe-config/stripe-credential-fields';
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

  it('contains nothing that looks like a real Stripe key: examples and descriptions are masked', () => {
    const keyLike = /\b(?:(?:sk|rk|pk)_(?:test|live)|whsec)_[A-Za-z0-9]{8,}/;
    const found = strings(committed).filter(({ value }) => keyLike.test(value));
    expect(found).toEqual([]);
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

  it('gives the key checked by validate-credentials its prefix rule as a pattern', () => {
    const secretKey = committed.components.schemas.ValidateStripeCredentialsRequest.properties.secret_key as JsonObject;
    expect(secretKey.pattern).toBe('^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$');
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

  it('documents the OAuth2 password form that login accepts besides JSON', () => {
    const content = committed.paths['/api/v1/auth/login'].post.requestBody.content as JsonObject;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    const ref = content['application/x-www-form-urlencoded'].schema.$ref as string;
    const form = committed.components.schemas[ref.split('/').pop() as string] as JsonObject;
    expect(form.required).toEqual(['username', 'password']);
    expect(Object.keys(form.properties as JsonObject)).toEqual(
      expect.arrayContaining(['grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret']),
    );
  });

  it('offers OAuth2 password flow (tokenUrl = the login operation) and HTTP bearer', () => {
    const schemes = committed.components.securitySchemes as JsonObject;
    expect(schemes.OAuth2PasswordBearer).toEqual({
      type: 'oauth2',
      flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } },
    });
    expect(committed.paths['/api/v1/auth/login'].post).toBeDefined();
    expect(schemes.HTTPBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const secured = operations.filter((o) => o.op.security.length > 0);
    expect(secured.length).toBeGreaterThan(0);
    for (const o of secured) expect(o.op.security).toEqual([{ OAuth2PasswordBearer: [] }, { HTTPBearer: [] }]);
  });

  describe('as served', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('is the committed spec at /openapi.json and /openapi.yaml', async () => {
      const json = await t.http().get('/openapi.json').expect(200);
      expect(json.body).toEqual(committed);
      const yaml = await t.http().get('/openapi.yaml').expect(200);
      expect(parse(yaml.text)).toEqual(committed);
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await t.http().get('/docs').expect(200);
      expect(res.text).toContain('swagger-ui');
    });
  });
});
