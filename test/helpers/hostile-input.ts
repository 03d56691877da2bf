import fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import { FakeStripe } from './fake-stripe';
import { configPath, createProject, Developer, fakeKey, registerDeveloper } from './fixtures';
import { configSnapshot } from './stored-config';
import { createTestApp, TestApp } from './test-app';
import { abortedWhenTestEnds } from './test-signal';
import { CREDENTIAL_FIELDS } from '../../src/stripe/stripe-keys';

/**
 * Cases per endpoint and the seed: `npm test` runs a short pass with a fixed seed (the same cases every
 * run), `npm run test:fuzz` runs 2,000 cases per endpoint with a new seed each time. A failure prints
 * the seed and the shrunk request; replay it with FUZZ_SEED=<seed> FUZZ_RUNS=<runs>.
 */
const NUM_RUNS = Number(process.env.FUZZ_RUNS || 100);
const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : process.env.FUZZ_RUNS
    ? Math.floor(Math.random() * 2 ** 31)
    : 20261201;
/** Per endpoint: room for slow cases on a busy machine (the slowest take ~100 ms there). */
const TEST_TIMEOUT_MS = 60_000 + NUM_RUNS * 150;

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface RawResponse {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request over a kept-alive connection: any bytes, any headers, any path. */
function send(baseUrl: string, req: RawRequest, signal?: AbortSignal): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = req.body.length;
    const r = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

// ---------- generators ----------

const KNOWN_KEYS = [
  ...CREDENTIAL_FIELDS,
  'secret_key',
  'is_test_mode',
  'name',
  'description',
  'email',
  'password',
  'full_name',
  'username',
  'id',
  'project_id',
  'is_active',
  'version',
  '__proto__',
  'constructor',
  'prototype',
];
const PREFIXES = [
  'sk_test_',
  'rk_test_',
  'pk_test_',
  'whsec_',
  'sk_live_',
  'rk_live_',
  'pk_live_',
  'sk_',
  '',
  'SK_TEST_',
];

const asciiString = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
/** Text PostgreSQL cannot store: NUL and unpaired surrogates (sent as JSON escapes by JSON.stringify). */
const unstorableText = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\u0000\u0000'))
  .map(([text, bad]) => `${text}${bad}${text}`);
const unicodeString = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const HUGE = 'A'.repeat(70 * 1024);

const credentialLike = fc
  .tuple(
    fc.constantFrom(...PREFIXES),
    fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{0,40}$/), unicodeString(30), fc.constant('A'.repeat(300))),
  )
  .map(([prefix, rest]) => prefix + rest);

const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: credentialLike, weight: 5 },
  { arbitrary: unicodeString(50), weight: 2 },
  { arbitrary: unstorableText, weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...PREFIXES), unstorableText).map(([p, t]) => p + t), weight: 1 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.array(credentialLike, { maxLength: 3 }), weight: 1 },
  { arbitrary: fc.constantFrom('a@b.co', 'not-an-email', 'correct-horse-battery', ''), weight: 1 },
);

const key = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN_KEYS), weight: 4 },
  { arbitrary: unicodeString(20), weight: 1 },
  { arbitrary: unstorableText, weight: 1 },
);

const PREFIX_OF: Record<string, string> = {
  test_secret_key: 'sk_test_',
  test_publishable_key: 'pk_test_',
  test_webhook_secret: 'whsec_',
  live_secret_key: 'rk_live_',
  live_publishable_key: 'pk_live_',
  live_webhook_secret: 'whsec_',
  secret_key: 'sk_test_',
};

/** A field with a value that passes validation: keeps part of the fuzz reaching the service. */
const validPair: fc.Arbitrary<[string, unknown]> = fc
  .tuple(fc.constantFrom(...Object.keys(PREFIX_OF)), fc.stringMatching(/^[A-Za-z0-9]{8,30}$/))
  .map(([field, rest]) => [field, PREFIX_OF[field] + rest]);

/** JSON object text built by hand: allows duplicate keys and `__proto__` as a real key. */
const objectText = fc
  .array(fc.oneof(fc.tuple(key, value), validPair), { maxLength: 8 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);

const bodyText: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { arbitrary: objectText, weight: 8 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: unicodeString(100), weight: 1 },
  { arbitrary: fc.tuple(objectText, fc.nat()).map(([t, n]) => t.slice(0, n % Math.max(t.length, 1))), weight: 1 },
  {
    arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `${'{"a":['.repeat(n)}${']}'.repeat(n)}`),
    weight: 1,
  },
  { arbitrary: fc.constant(`{"test_secret_key":"sk_test_${HUGE}"}`), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=zz',
      'application/xml',
      'application/vnd.api+json',
      '',
      '*/*',
    ),
    weight: 3,
  },
  { arbitrary: asciiString(30), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

interface Tokens {
  owner: string;
  other: string;
}

const authorization = (tokens: Tokens) =>
  fc.oneof(
    { arbitrary: fc.constant(`Bearer ${tokens.owner}`), weight: 10 },
    { arbitrary: fc.constant(`Bearer ${tokens.other}`), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: asciiString(60).map((s) => `Bearer ${s}`), weight: 1 },
    { arbitrary: fc.constant(`Bearer ${tokens.owner.slice(0, -3)}abc`), weight: 1 },
    { arbitrary: asciiString(60), weight: 1 },
  );

/** Usually absent: each header is present in about one request out of `1 + absentWeight`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absentWeight = 6) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, { arbitrary: arb, weight: 1 });

const extraHeaders = fc
  .record({
    'If-Match': sometimes(
      fc.oneof(
        asciiString(20),
        fc.nat({ max: 500 }).map((n) => `"${n}"`),
        fc.constant('*'),
      ),
    ),
    'X-Request-Id': sometimes(fc.oneof(asciiString(200), fc.uuid()), 2),
    'Content-Encoding': sometimes(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'), 10),
    Accept: sometimes(fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml')),
    'X-Forwarded-For': sometimes(fc.constantFrom('1.2.3.4', 'garbage', '::1')),
  })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

interface Projects {
  owned: string;
  others: string;
}

const projectId = (projects: Projects) =>
  fc.oneof(
    { arbitrary: fc.constant(projects.owned), weight: 8 },
    { arbitrary: fc.constant(projects.owned.toUpperCase()), weight: 1 },
    { arbitrary: fc.constant(projects.others), weight: 1 },
    { arbitrary: fc.uuid(), weight: 1 },
    {
      arbitrary: fc
        .oneof(
          unicodeString(40),
          fc.constantFrom('', ' ', 'null', 'undefined', '..', '0', "' OR 1=1 --", '%00', 'a'.repeat(5000)),
        )
        .map(encodeURIComponent),
      weight: 2,
    },
  );

const queryString = fc.oneof(
  { arbitrary: fc.constant(''), weight: 4 },
  {
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('limit', 'offset', 'page', 'page_size', 'mode', 'type', '__proto__', 'limit[]'),
            asciiString(8),
          ),
          fc.oneof(
            fc.integer().map(String),
            unicodeString(10),
            fc.constantFrom('', '1.5', '-1', '1e3', '100', '101', '\u0000', 'invoice.paid\u0000', 'test'),
          ),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`),
    weight: 1,
  },
);

interface FuzzEndpoint {
  name: string;
  method: string;
  path: (projectId: string) => string;
  /** Whether the endpoint may change the owned project's stored config when it succeeds. */
  writesConfig?: boolean;
  /** The OpenAPI path, when it is not `path('{project_id}')`. */
  specPath?: string;
}

const ENDPOINTS: FuzzEndpoint[] = [
  { name: 'PUT config', method: 'PUT', path: (p) => configPath(p), writesConfig: true },
  { name: 'POST validate-credentials', method: 'POST', path: (p) => configPath(p, 'validate-credentials') },
  { name: 'GET config', method: 'GET', path: (p) => configPath(p) },
  { name: 'DELETE config', method: 'DELETE', path: (p) => configPath(p), writesConfig: true },
  { name: 'GET webhook-urls', method: 'GET', path: (p) => configPath(p, 'webhook-urls') },
  { name: 'GET audit-log', method: 'GET', path: (p) => configPath(p, 'audit-log') },
  { name: 'GET project', method: 'GET', path: (p) => `/api/v1/projects/${p}` },
  { name: 'POST projects', method: 'POST', path: () => '/api/v1/projects/' },
  { name: 'GET projects', method: 'GET', path: () => '/api/v1/projects/' },
  { name: 'GET auth/me', method: 'GET', path: () => '/api/v1/auth/me' },
  { name: 'POST auth/register', method: 'POST', path: () => '/api/v1/auth/register' },
  { name: 'POST auth/login', method: 'POST', path: () => '/api/v1/auth/login' },
  { name: 'GET webhook-events', method: 'GET', path: (p) => configPath(p, 'webhook-events') },
  {
    name: 'GET webhook-event',
    method: 'GET',
    path: (p) => configPath(p, 'webhook-events/3fa85f64-5717-4562-b3fc-2c963f66afa6'),
    specPath: '/api/v1/payments/stripe/projects/{project_id}/webhook-events/{webhook_event_id}',
  },
  // Succeeds only with a key Stripe accepts (it then stores the new signing secret).
  {
    name: 'POST webhook-endpoints',
    method: 'POST',
    path: (p) => configPath(p, 'webhook-endpoints'),
    writesConfig: true,
  },
  { name: 'GET health', method: 'GET', path: (p) => configPath(p, 'health') },
  // Calls Stripe with the owned project's stored key (the local fake rejects it): read-only for the config.
  { name: 'POST health/refresh', method: 'POST', path: (p) => configPath(p, 'health/refresh') },
  {
    name: 'POST webhook receiver',
    method: 'POST',
    path: (p) => `/api/v1/payments/stripe/webhooks/${p}/test`,
    specPath: '/api/v1/payments/stripe/webhooks/{project_id}/{mode}',
  },
];

function isValidationBody(body: unknown): boolean {
  const detail = (body as { detail?: unknown })?.detail;
  return (
    Array.isArray(detail) &&
    detail.length > 0 &&
    detail.every(
      (d: { loc?: unknown; msg?: unknown; type?: unknown }) =>
        Array.isArray(d.loc) && typeof d.msg === 'string' && typeof d.type === 'string',
    )
  );
}

/**
 * The fuzz suite for the named endpoints (split over two spec files so that jest's two workers share
 * the work). `withExplicitCases` adds the fixed 413 and deep-nesting cases.
 */
export function hostileInputSuite(title: string, endpointNames: string[], withExplicitCases: boolean): void {
  describe(title, () => {
    let t: TestApp;
    let stripe: FakeStripe;
    let owner: Developer;
    let tokens: Tokens;
    let projects: Projects;
    let documented: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const testSignal = abortedWhenTestEnds();

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await createTestApp({ listen: true, env: { STRIPE_API_BASE: stripe.url } });
      owner = await registerDeveloper(t);
      const other = await registerDeveloper(t);
      projects = { owned: await createProject(t, owner), others: await createProject(t, other) };
      await t
        .http()
        .put(configPath(projects.owned))
        .set(owner.auth)
        .send({ test_secret_key: fakeKey('sk_test_'), live_publishable_key: fakeKey('pk_live_') })
        .expect(200);
      tokens = { owner: owner.token, other: other.token };
      documented = (await t.http().get('/openapi.json').expect(200)).body.paths;
    });
    afterAll(async () => {
      agent.destroy();
      await t?.close();
      await stripe?.stop();
    });

    function documentedStatuses(endpoint: FuzzEndpoint): Set<number> {
      const specPath = (endpoint.specPath ?? endpoint.path('{project_id}'))
        .replace(/\/$/, '')
        .replace(/^(\/api\/v1\/projects)$/, '$1');
      const op =
        documented[specPath]?.[endpoint.method.toLowerCase()] ??
        documented[`${specPath}/`]?.[endpoint.method.toLowerCase()];
      if (!op) throw new Error(`${endpoint.method} ${specPath} is not in the OpenAPI document`);
      return new Set(Object.keys(op.responses).map(Number));
    }

    const selected = ENDPOINTS.filter((e) => endpointNames.includes(e.name));
    if (selected.length !== endpointNames.length)
      throw new Error(`Unknown fuzz endpoint in ${endpointNames.join(', ')}`);

    it.each(selected.map((e) => [e.name, e] as const))(
      '%s: never a 5xx, always a documented 4xx body, stored config unchanged when rejected',
      async (_name, endpoint) => {
        const allowed = documentedStatuses(endpoint);
        const hasBody = endpoint.method === 'PUT' || endpoint.method === 'POST';
        const requestArb = fc
          .record({
            projectId: projectId(projects),
            query: endpoint.method === 'GET' ? queryString : fc.constant(''),
            authorization: authorization(tokens),
            contentType: hasBody ? contentType : fc.option(contentType, { freq: 5 }).map((c) => c ?? undefined),
            body: hasBody ? bodyText : fc.option(bodyText, { freq: 5 }).map((b) => b ?? undefined),
            extra: extraHeaders,
          })
          .map(({ projectId: id, query, authorization: auth, contentType: ct, body, extra }): RawRequest => {
            const headers: Record<string, string> = { ...extra };
            if (auth !== undefined) headers.Authorization = auth;
            if (ct !== undefined) headers['Content-Type'] = ct;
            return {
              method: endpoint.method,
              path: endpoint.path(id) + query,
              headers,
              body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
            };
          });

        let snapshot = await configSnapshot(t.db, projects.owned);
        const seen = new Map<number, number>();
        const signal = testSignal();
        await fc.assert(
          fc.asyncProperty(requestArb, async (req) => {
            // After a timeout: no more requests (nor shrinking runs) once the next test has started.
            signal.throwIfAborted();
            const res = await send(t.url, req, signal);
            seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
            expect(res.status).toBeLessThan(500);
            if (res.status >= 400) {
              expect([...allowed]).toContain(res.status);
              const body = JSON.parse(res.text) as { detail: unknown };
              if (res.status === 422) expect(isValidationBody(body)).toBe(true);
              else expect(body).toEqual({ detail: expect.any(String) });
            }
            if (endpoint.writesConfig) {
              const now = await configSnapshot(t.db, projects.owned);
              if (res.status >= 200 && res.status < 300) snapshot = now;
              else expect(now).toBe(snapshot);
            }
          }),
          { numRuns: NUM_RUNS, seed: SEED },
        );
        if (!endpoint.writesConfig) expect(await configSnapshot(t.db, projects.owned)).toBe(snapshot);
        // The fuzz reached both sides: some requests were rejected and some got through validation.
        const statuses = [...seen.keys()];
        expect(statuses.some((s) => s >= 400)).toBe(true);
        console.log(`${endpoint.name} (${NUM_RUNS} cases, seed ${SEED}): ${JSON.stringify(Object.fromEntries(seen))}`);
      },
      TEST_TIMEOUT_MS,
    );

    if (withExplicitCases) {
      it('a deeply nested body (5,000 levels) → 422 "nested too deeply", not a 500; GET/DELETE bodies are ignored', async () => {
        const before = await configSnapshot(t.db, projects.owned);
        const auth = { Authorization: `Bearer ${owner.token}`, 'Content-Type': 'application/json' };
        const nested = Buffer.from(`{"test_secret_key":${'{"a":['.repeat(5000)}${']}'.repeat(5000)}}`);
        const res = await send(t.url, { method: 'PUT', path: configPath(projects.owned), headers: auth, body: nested });
        expect(res.status).toBe(422);
        expect(JSON.parse(res.text).detail[0]).toMatchObject({
          msg: 'Input is nested too deeply',
          type: 'value_error',
        });
        const get = await send(t.url, { method: 'GET', path: configPath(projects.owned), headers: auth, body: nested });
        expect(get.status).toBe(200);
        expect(await configSnapshot(t.db, projects.owned)).toBe(before);
      });

      it.each([
        ['PUT', configPath],
        ['POST', (p: string) => configPath(p, 'validate-credentials')],
      ] as const)('%s with a body over 64 KiB → 413 {"detail"}, nothing stored', async (method, path) => {
        const before = await configSnapshot(t.db, projects.owned);
        const res = await send(t.url, {
          method,
          path: path(projects.owned),
          headers: { Authorization: `Bearer ${owner.token}`, 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify({ test_secret_key: `sk_test_${'a'.repeat(64 * 1024)}` })),
        });
        expect(res.status).toBe(413);
        expect(JSON.parse(res.text)).toEqual({ detail: expect.any(String) });
        expect(await configSnapshot(t.db, projects.owned)).toBe(before);
      });
    }
  });
}
