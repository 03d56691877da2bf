import { connect } from 'node:net';
import Stripe from 'stripe';
import { configPath, createProject, Developer, fakeKey, putConfig, registerDeveloper } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

/**
 * What one raw request on a new connection gets back: status line, headers and body, as the server
 * wrote them (for the requests no HTTP client would send: malformed, or with oversized headers).
 */
function rawExchange(url: string, request: string | Buffer): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.end(request);
  });
}

const BIDI_CONTROLS: [string, string][] = [
  ['LRE U+202A', '\u202A'],
  ['RLE U+202B', '\u202B'],
  ['PDF U+202C', '\u202C'],
  ['LRO U+202D', '\u202D'],
  ['RLO U+202E', '\u202E'],
  ['LRI U+2066', '\u2066'],
  ['RLI U+2067', '\u2067'],
  ['FSI U+2068', '\u2068'],
  ['PDI U+2069', '\u2069'],
];

const PASSWORD = 'correct-horse-battery';

describe('Small hostile inputs: client address, framework errors, charsets, bidi controls (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let webhookSecret: string;

  beforeAll(async () => {
    // Behind a trusted proxy (the test client on 127.0.0.1): X-Forwarded-For is believed.
    t = await createTestApp({ listen: true, env: { TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1' } });
    dev = await registerDeveloper(t);
    projectId = await createProject(t, dev);
    webhookSecret = fakeKey('whsec_', 32);
    await putConfig(t, dev, projectId, { test_webhook_secret: webhookSecret }).expect(200);
  });
  afterAll(() => t?.close());

  describe('the audit client_ip', () => {
    const auditedIpOf = async (forwardedFor: string): Promise<unknown> => {
      await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_') })
        .set('X-Forwarded-For', forwardedFor)
        .expect(200);
      const res = await t.http().get(configPath(projectId, 'audit-log')).set(dev.auth).expect(200);
      return (res.body.items as { client_ip: unknown }[])[0].client_ip;
    };

    it('is the forwarded address when it is an IP address (v4 or v6)', async () => {
      expect(await auditedIpOf('203.0.113.7')).toBe('203.0.113.7');
      expect(await auditedIpOf('2001:db8::1')).toBe('2001:db8::1');
    });

    it.each([['<script>'], ['203.0.113.7<script>'], ['not an address'], ["'; DROP TABLE audit_log; --"]])(
      'is null when the forwarded address is not an IP address: %j',
      async (forwarded) => {
        expect(await auditedIpOf(forwarded)).toBeNull();
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log WHERE client_ip IS NOT NULL AND NOT client_ip ~ '^[0-9a-fA-F.:]+$'`,
        );
        expect(rows[0].n).toBe(0);
      },
    );
  });

  describe('answers written by the HTTP layer itself have the {"detail"} body', () => {
    const expectDetailBody = (res: { status: number; head: string; body: string }, status: number) => {
      expect(res.status).toBe(status);
      expect(res.head).toMatch(/\r\ncontent-type: application\/json/i);
      const body = JSON.parse(res.body) as unknown;
      expect(body).toEqual({ detail: expect.any(String) });
    };

    it('431: headers larger than the server takes', async () => {
      const res = await rawExchange(
        t.url,
        `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(80_000)}\r\n\r\n`,
      );
      expectDetailBody(res, 431);
    });

    it.each([
      ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n'],
      ['a header line without a colon', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n'],
      ['an invalid Content-Length', 'POST /api/v1/projects/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
      [
        'both Content-Length and chunked Transfer-Encoding',
        'POST /api/v1/projects/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
      ['a control character in a header value', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n'],
    ])('400: %s', async (_name, request) => {
      expectDetailBody(await rawExchange(t.url, request), 400);
    });

    it('400: an HTTP/1.1 request without a Host header', async () => {
      const res = await rawExchange(t.url, 'GET /api/v1/health HTTP/1.1\r\n\r\n');
      expectDetailBody(res, 400);
      // Answered through the app: the headers of every response are there.
      expect(res.head).toMatch(/\r\nx-request-id: /i);
    });

    it('417: an Expect header other than 100-continue', async () => {
      const res = await rawExchange(t.url, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\n\r\n');
      expectDetailBody(res, 417);
    });
  });

  describe('charsets', () => {
    it.each([['charset="/utf-7"'], ['charset="utf-7"'], ['charset=utf-7'], ['charset="/utf-8"'], ['charset=" utf-8"']])(
      'a JSON body with %s is a 415 {"detail"}',
      async (parameter) => {
        const res = await t
          .http()
          .post('/api/v1/projects/')
          .set(dev.auth)
          .set('Content-Type', `application/json; ${parameter}`)
          .send(JSON.stringify({ name: 'charset' }));
        expect(res.status).toBe(415);
        expect(res.body).toEqual({ detail: expect.stringMatching(/charset/i) });
      },
    );

    it('quoted or not, any case, utf-8 is still JSON', async () => {
      for (const parameter of ['charset="utf-8"', 'charset=UTF-8', 'charset="UTF-8"'])
        await t
          .http()
          .post('/api/v1/projects/')
          .set(dev.auth)
          .set('Content-Type', `application/json; ${parameter}`)
          .send(JSON.stringify({ name: `charset ${parameter}` }))
          .expect(201);
    });
  });

  describe('bidi overrides and isolates in display text', () => {
    const textFields: [string, (text: string) => () => ReturnType<ReturnType<TestApp['http']>['post']>, string[]][] = [
      [
        'project name',
        (text) => () =>
          t
            .http()
            .post('/api/v1/projects/')
            .set(dev.auth)
            .send({ name: `invoice${text}fdp.exe` }),
        ['body', 'name'],
      ],
      [
        'project description',
        (text) => () =>
          t
            .http()
            .post('/api/v1/projects/')
            .set(dev.auth)
            .send({ name: 'ok', description: `about ${text}this` }),
        ['body', 'description'],
      ],
      [
        'full_name',
        (text) => () =>
          t
            .http()
            .post('/api/v1/auth/register')
            .send({
              email: `bidi-${Date.now()}-${Math.random()}@example.com`,
              password: PASSWORD,
              full_name: `Ada${text}`,
            }),
        ['body', 'full_name'],
      ],
    ];

    const counts = async () =>
      JSON.stringify(
        (await t.db.query('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM projects) AS projects'))
          .rows[0],
      );

    it.each(textFields.flatMap(([field, send, loc]) => BIDI_CONTROLS.map(([name, c]) => [field, name, send(c), loc])))(
      '%s with %s: 422 naming the field, nothing stored',
      async (_field, _name, send, loc) => {
        const before = await counts();
        const res = await (send as () => ReturnType<ReturnType<TestApp['http']>['post']>)();
        expect(res.status).toBe(422);
        expect(res.body.detail).toEqual([{ loc, msg: expect.stringMatching(/bidirectional/i), type: 'value_error' }]);
        expect(await counts()).toBe(before);
      },
    );

    it.each(textFields)('%s with LRM and RLM marks (and other scripts) is accepted', async (_field, send) => {
      const res = await send('\u200E\u200F שלום مرحبا')();
      expect([200, 201]).toContain(res.status);
    });

    it('a verified webhook payload with bidi controls is stored as sent', async () => {
      const eventId = `evt_bidi_${Date.now()}`;
      const payload = JSON.stringify({
        id: eventId,
        object: 'event',
        type: 'customer.updated',
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        data: { object: { name: 'Ada\u202E\u2066evil\u2069' } },
      });
      await t
        .http()
        .post(`/api/v1/payments/stripe/webhooks/${projectId}/test`)
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }))
        .send(payload)
        .expect(200);
      const { rows } = await t.db.query<{ name: string }>(
        `SELECT payload->'data'->'object'->>'name' AS name FROM stripe_webhook_events WHERE event_id = $1`,
        [eventId],
      );
      expect(rows).toEqual([{ name: 'Ada\u202E\u2066evil\u2069' }]);
    });
  });
});
