import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { CREDENTIAL_FIELDS } from '../src/stripe/stripe-keys';
import { configPath, Developer, uniqueEmail } from './helpers/fixtures';
import { startAppWithWebhookSecret, TestApp } from './helpers/test-app';

/**
 * Text PostgreSQL cannot store (a NUL, an unpaired surrogate) and nesting it cannot parse, in every
 * text field, query parameter and path parameter of every endpoint: always a 4xx with the documented
 * body (422 list for API input, 400 `{"detail"}` for a verified webhook), never a 500, nothing written.
 */
const BAD_TEXTS: [string, string][] = [
  ['a NUL', 'a\u0000b'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', '\udc00'],
];

const PASSWORD = 'correct-horse-battery';

describe('Unstorable text (NUL, unpaired surrogates, deep nesting) is refused, never a 500 (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let webhookSecret: string;

  /** Row counts of every table a request could write, and the config's version. */
  async function written(): Promise<string> {
    const { rows } = await t.db.query(
      `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM projects) AS projects,
              (SELECT count(*) FROM stripe_configs) AS configs, (SELECT max(version) FROM stripe_configs) AS version,
              (SELECT count(*) FROM audit_log) AS audit, (SELECT count(*) FROM stripe_webhook_events) AS events`,
    );
    return JSON.stringify(rows[0]);
  }

  function expectUnstorable422(res: { status: number; body: { detail: unknown } }, loc: (string | number)[]) {
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { loc, msg: 'Input should be text without NUL characters or unpaired surrogates', type: 'string_unicode' },
    ]);
  }

  beforeAll(async () => {
    ({ t, dev, projectId, secret: webhookSecret } = await startAppWithWebhookSecret());
  });
  afterAll(() => t?.close());

  type BodyCase = [string, string, (p: string) => string, (text: string) => Record<string, unknown>, string];
  const jsonBodies: BodyCase[] = [
    [
      'POST',
      'register email',
      () => '/api/v1/auth/register',
      (x) => ({ email: `a${x}@example.com`, password: PASSWORD }),
      'email',
    ],
    [
      'POST',
      'register password',
      () => '/api/v1/auth/register',
      (x) => ({ email: uniqueEmail(), password: `${PASSWORD}${x}` }),
      'password',
    ],
    [
      'POST',
      'register full_name',
      () => '/api/v1/auth/register',
      (x) => ({ email: uniqueEmail(), password: PASSWORD, full_name: `Ada${x}` }),
      'full_name',
    ],
    [
      'POST',
      'login email',
      () => '/api/v1/auth/login',
      (x) => ({ email: `a${x}@example.com`, password: PASSWORD }),
      'email',
    ],
    [
      'POST',
      'login password',
      () => '/api/v1/auth/login',
      (x) => ({ email: uniqueEmail(), password: `${PASSWORD}${x}` }),
      'password',
    ],
    ['POST', 'project name', () => '/api/v1/projects/', (x) => ({ name: `My${x}SaaS` }), 'name'],
    [
      'POST',
      'project description',
      () => '/api/v1/projects/',
      (x) => ({ name: 'ok', description: `d${x}` }),
      'description',
    ],
    ...CREDENTIAL_FIELDS.map((field): BodyCase => [
      'PUT',
      `config ${field}`,
      (p) => configPath(p),
      (x) => ({ [field]: `sk_test_abc${x}def` }),
      field,
    ]),
    [
      'POST',
      'validate-credentials secret_key',
      (p) => configPath(p, 'validate-credentials'),
      (x) => ({ secret_key: `sk_test_${x}` }),
      'secret_key',
    ],
    [
      'POST',
      'webhook-endpoints mode',
      (p) => configPath(p, 'webhook-endpoints'),
      (x) => ({ mode: `test${x}` }),
      'mode',
    ],
  ];

  describe.each(BAD_TEXTS)('%s', (_label, bad) => {
    it.each(jsonBodies)('%s %s → 422 at the field, nothing written', async (method, _name, path, body, field) => {
      const before = await written();
      const req = method === 'PUT' ? t.http().put(path(projectId)) : t.http().post(path(projectId));
      const res = await req
        .set(dev.auth)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body(bad)));
      expectUnstorable422(res, ['body', field]);
      expect(await written()).toBe(before);
    });

    it('a JSON key carrying it → 422, nothing written', async () => {
      const before = await written();
      const res = await t
        .http()
        .post('/api/v1/projects/')
        .set(dev.auth)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ name: 'ok', [`x${bad}`]: 1 }));
      expect(res.status).toBe(422);
      expect(await written()).toBe(before);
    });
  });

  // URLs and forms are UTF-8: an unpaired surrogate cannot be sent in them (its bytes decode to U+FFFD), a NUL can.
  describe('a NUL in a form field or a query parameter', () => {
    const bad = 'a\u0000b';
    it.each([
      ['username', (x: string) => ({ username: `a${x}@example.com`, password: PASSWORD })],
      ['password', (x: string) => ({ username: dev.email, password: `${PASSWORD}${x}` })],
    ] as const)('OAuth2 form login with it in %s → 422 at the form field', async (field, form) => {
      const before = await written();
      const res = await t.http().post('/api/v1/auth/login').type('form').send(form(bad));
      expectUnstorable422(res, ['body', field]);
      expect(await written()).toBe(before);
    });

    it.each([
      ['webhook-events', 'type'],
      ['webhook-events', 'mode'],
      ['webhook-events', 'page'],
      ['webhook-events', 'page_size'],
      ['audit-log', 'page'],
      ['audit-log', 'page_size'],
    ])('GET %s?%s=<it> → 422 at the query parameter', async (suffix, param) => {
      const res = await t
        .http()
        .get(`${configPath(projectId, suffix)}?${param}=${encodeURIComponent(bad)}`)
        .set(dev.auth);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['query', param]);
    });
  });

  it('invalid UTF-8 in a query parameter (the bytes of a surrogate) is read as U+FFFD: a filter that matches nothing', async () => {
    const res = await t
      .http()
      .get(`${configPath(projectId, 'webhook-events')}?type=%ED%A0%80`)
      .set(dev.auth);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it('?type=%00 on webhook-events (the reported case) → 422, not a 500', async () => {
    const res = await t
      .http()
      .get(`${configPath(projectId, 'webhook-events')}?type=%00`)
      .set(dev.auth);
    expectUnstorable422(res, ['query', 'type']);
  });

  it.each([
    ['GET', (p: string) => configPath(p)],
    ['GET', (p: string) => `/api/v1/projects/${p}`],
    ['GET', (p: string) => configPath(p, 'webhook-events')],
    ['POST', (p: string) => `/api/v1/payments/stripe/webhooks/${p}/test`],
  ] as const)('%s with a NUL in the project_id path parameter → 422', async (method, path) => {
    const url = path(`${projectId.slice(0, -1)}%00`);
    const res = await (method === 'GET' ? t.http().get(url) : t.http().post(url)).set(dev.auth);
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['path', 'project_id']);
  });

  describe('signed webhook events PostgreSQL cannot store → 400 naming the reason, nothing stored', () => {
    function deliver(payload: string) {
      return t
        .http()
        .post(`/api/v1/payments/stripe/webhooks/${projectId}/test`)
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }))
        .send(payload);
    }
    const event = (extra: string) =>
      `{"id":"evt_${randomBytes(8).toString('hex')}","object":"event","type":"invoice.paid",` +
      `"created":${Math.floor(Date.now() / 1000)},"livemode":false,"data":{"object":${extra}}}`;

    it.each([
      [
        'a NUL in a value',
        event('{"description":"a\\u0000b"}'),
        /NUL character or an unpaired surrogate \(at data\.object\.description\)/,
      ],
      ['a NUL in a key', event('{"a\\u0000b":1}'), /NUL character or an unpaired surrogate \(at data\.object\.a\?b\)/],
      ['a lone surrogate', event('{"name":"\\ud800"}'), /NUL character or an unpaired surrogate/],
      [
        'a lone surrogate in the type',
        event('{}').replace('invoice.paid', 'invoice.\\udc00'),
        /unpaired surrogate \(at type\)/,
      ],
      [
        '50,000 levels of nesting',
        event(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
        /nested more than 128 levels/,
      ],
      [
        '50,000 levels of arrays',
        event(`{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`),
        /nested more than 128 levels/,
      ],
    ])('%s', async (_name, payload, reason) => {
      expect(Buffer.byteLength(payload)).toBeLessThan(1024 * 1024);
      const before = await written();
      const res = await deliver(payload);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: expect.stringMatching(reason) });
      expect(await written()).toBe(before);
    });

    it('a well-formed surrogate pair and ordinary unicode are stored as sent', async () => {
      const payload = event('{"name":"\\ud83d\\ude00 caf\\u00e9 \\u2028"}');
      const res = await deliver(payload).expect(200);
      expect(res.body).toEqual({ received: true, duplicate: false });
      const id = (JSON.parse(payload) as { id: string }).id;
      const { rows } = await t.db.query('SELECT payload FROM stripe_webhook_events WHERE event_id = $1', [id]);
      expect(rows[0].payload.data.object.name).toBe('😀 café \u2028');
    });
  });
});
