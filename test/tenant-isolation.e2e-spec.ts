import { createHmac, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import { deliver } from './helpers/ledger-events';
import {
  configPath,
  type Developer,
  fakeKey,
  projectWithConfig,
  registerDeveloper,
  testEventPayload,
} from './helpers/fixtures';
import { createTestApp, type TestApp } from './helpers/test-app';

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * A request written by hand on a connection of its own: its head, then only `sentBytes` of the
 * `declaredBytes` its Content-Length announces (the rest never comes unless `finish` is called).
 * With `expectContinue`, the head asks for `100 Continue` and `continued` settles when the server
 * has sent it: the server has then taken the request in (run its arrival hooks).
 */
class Upload {
  readonly answer: Promise<RawAnswer>;
  readonly continued: Promise<void>;
  /** Body bytes written so far. */
  bodyBytesSent = 0;
  private readonly socket: Socket;
  private received = '';

  constructor(
    url: string,
    options: {
      method?: string;
      path: string;
      authorization?: string;
      declaredBytes: number;
      sentBytes: number;
      expectContinue?: boolean;
    },
  ) {
    const { hostname, port } = new URL(url);
    this.socket = connect({ host: hostname, port: Number(port) });
    let onContinue: () => void = () => undefined;
    this.continued = new Promise((resolve) => (onContinue = resolve));
    this.answer = new Promise((resolve, reject) => {
      const settle = () => {
        const text = this.received.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return false;
        const head = text.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        const body = text.slice(end + 4);
        if (Buffer.byteLength(body) < length) return false;
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
        return true;
      };
      this.socket.on('data', (chunk: Buffer) => {
        this.received += chunk.toString('utf8');
        if (this.received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) onContinue();
        settle();
      });
      this.socket.on('error', () => undefined);
      // A test that waits for an answer that never comes fails in seconds, not at jest's timeout.
      this.socket.setTimeout(10_000, () => this.socket.destroy());
      this.socket.on('close', () => settle() || reject(new Error(`closed without an answer: ${this.received}`)));
    });
    // Never left unhandled: tests that do not expect an answer destroy the connection.
    this.answer.catch(() => undefined);
    const head = [
      `${options.method ?? 'PUT'} ${options.path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${options.declaredBytes}`,
      ...(options.authorization ? [`Authorization: ${options.authorization}`] : []),
      ...(options.expectContinue ? ['Expect: 100-continue'] : []),
    ].join('\r\n');
    this.socket.write(`${head}\r\n\r\n`);
    if (options.expectContinue) void this.continued.then(() => this.send(options.sentBytes));
    else this.send(options.sentBytes);
  }

  /** Writes `bytes` more of the body: `{}` then spaces (a whole body is the JSON `{}`). */
  send(bytes: number): void {
    if (bytes <= 0) return;
    const chunk = Array.from({ length: bytes }, (_, i) => '{}'[this.bodyBytesSent + i] ?? ' ').join('');
    this.socket.write(chunk);
    this.bodyBytesSent += bytes;
  }

  close(): void {
    this.socket.destroy();
  }
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token for `subject` signed HS256 with `secret`: right claims, any key. */
function hs256Token(subject: string, secret: string, claims: object = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: subject, role: 'developer', iat: now, exp: now + 3600, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('Tenant isolation: per-developer limits, counted before the body is read (e2e)', () => {
  let t: TestApp;
  let a: Developer;
  let b: Developer;
  let aProject: string;
  let bProject: string;
  let aWebhookSecret: string;
  const open: Upload[] = [];

  /** Holds one of A's (or `authorization`'s) write slots: a PUT whose body never ends. */
  async function heldWrite(authorization: string, declaredBytes = 1000): Promise<Upload> {
    const upload = new Upload(t.url, {
      path: configPath(aProject),
      authorization,
      declaredBytes,
      sentBytes: 10,
      expectContinue: true,
    });
    open.push(upload);
    await upload.continued;
    return upload;
  }

  const releaseAll = () => open.splice(0).forEach((u) => u.close());

  /** A PUT config of A until it is no longer refused (its held slots are given back as their connections close). */
  async function untilAdmitted(send: () => Promise<{ status: number }>): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { status } = await send();
      if (status !== 429) return status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('still refused after 100 attempts');
  }

  beforeAll(async () => {
    t = await createTestApp({
      listen: true,
      env: {
        DEVELOPER_MAX_CONCURRENT_WRITES: '2',
        DEVELOPER_MAX_CONCURRENT_LISTINGS: '1',
        DEVELOPER_MAX_CONCURRENT_EVENT_READS: '1',
        // A listing held behind a table lock must not give up before the test lets it go.
        DATABASE_LOCK_TIMEOUT_MS: '15000',
        DATABASE_STATEMENT_TIMEOUT_MS: '15000',
        DATABASE_QUERY_TIMEOUT_MS: '16000',
      },
    });
    a = await registerDeveloper(t);
    b = await registerDeveloper(t);
    aWebhookSecret = fakeKey('whsec_', 32);
    aProject = await projectWithConfig(t, a, { test_webhook_secret: aWebhookSecret });
    bProject = await projectWithConfig(t, b, { test_secret_key: fakeKey('sk_test_') });
  });
  afterEach(async () => {
    releaseAll();
    // Every slot of A is free again before the next test.
    expect(await untilAdmitted(() => t.http().get('/api/v1/projects/').set(a.auth))).toBe(200);
    expect(
      await untilAdmitted(() =>
        t
          .http()
          .put(configPath(aProject))
          .set(a.auth)
          .send({ test_secret_key: fakeKey('sk_test_') }),
      ),
    ).toBe(200);
  });
  afterAll(() => t?.close());

  describe('writes (DEVELOPER_MAX_CONCURRENT_WRITES=2)', () => {
    it("answers A's excess write 429 with Retry-After while its body is still being sent, and closes the connection", async () => {
      await heldWrite(a.auth.Authorization);
      await heldWrite(a.auth.Authorization);
      const excess = new Upload(t.url, {
        path: configPath(aProject),
        authorization: a.auth.Authorization,
        declaredBytes: 60_000,
        sentBytes: 100,
      });
      open.push(excess);
      const answer = await excess.answer;
      expect(answer.status).toBe(429);
      expect(answer.head).toMatch(/\r\nretry-after: 1\r\n/i);
      expect(answer.head).toMatch(/\r\nconnection: close\r\n/i);
      expect(JSON.parse(answer.body)).toEqual({
        detail: 'Too many writes of this developer in flight. Retry after 1 second.',
      });
      // Answered with 100 of its 60,000 bytes sent: the body was never waited for.
      expect(excess.bodyBytesSent).toBe(100);
    });

    it('answers 429 before asking for the body at all (Expect: 100-continue gets the 429, no body sent)', async () => {
      await heldWrite(a.auth.Authorization);
      await heldWrite(a.auth.Authorization);
      const excess = new Upload(t.url, {
        method: 'POST',
        path: '/api/v1/projects/',
        authorization: a.auth.Authorization,
        declaredBytes: 5_000,
        sentBytes: 0,
        expectContinue: true,
      });
      open.push(excess);
      const answer = await excess.answer;
      expect(answer.status).toBe(429);
      expect(excess.bodyBytesSent).toBe(0);
    });

    it('counts every write operation of A together, and answers them as the spec says', async () => {
      await heldWrite(a.auth.Authorization);
      await heldWrite(a.auth.Authorization);
      const refused = [
        await t.http().post('/api/v1/projects/').set(a.auth).send({ name: 'one too many' }),
        await t.http().delete(configPath(aProject)).set(a.auth),
        await t
          .http()
          .put(configPath(aProject))
          .set(a.auth)
          .send({ test_secret_key: fakeKey('sk_test_') }),
      ];
      for (const res of refused) {
        expect(res.status).toBe(429);
        expect(res.headers['retry-after']).toBe('1');
        expect(typeof res.body.detail).toBe('string');
      }
      // Reads of A are not writes: answered.
      await t.http().get(configPath(aProject)).set(a.auth).expect(200);
    });

    it("never makes B wait behind A's capacity: B's reads and writes are answered while A holds every write slot", async () => {
      const held = [await heldWrite(a.auth.Authorization), await heldWrite(a.auth.Authorization)];
      await t.http().get(configPath(bProject)).set(b.auth).expect(200);
      await t
        .http()
        .put(configPath(bProject))
        .set(b.auth)
        .send({ test_secret_key: fakeKey('sk_test_') })
        .expect(200);
      await t.http().get('/api/v1/projects/').set(b.auth).expect(200);
      // B has slots of its own: it can hold two writes too, and A's stay refused.
      const bHeld = [
        new Upload(t.url, {
          path: configPath(bProject),
          authorization: b.auth.Authorization,
          declaredBytes: 1000,
          sentBytes: 10,
          expectContinue: true,
        }),
        new Upload(t.url, {
          path: configPath(bProject),
          authorization: b.auth.Authorization,
          declaredBytes: 1000,
          sentBytes: 10,
          expectContinue: true,
        }),
      ];
      open.push(...bHeld);
      await Promise.all(bHeld.map((u) => u.continued));
      await t
        .http()
        .put(configPath(aProject))
        .set(a.auth)
        .send({ test_secret_key: fakeKey('sk_test_') })
        .expect(429);
      // A's held writes are answered as usual once their bodies arrive (`{}`: nothing to change).
      held[0].send(990);
      expect((await held[0].answer).status).toBe(422);
    });

    it('bounds the declared body bytes of A in flight (64 KiB): a large body waits for none, a small one still fits', async () => {
      await heldWrite(a.auth.Authorization, 60_000);
      const large = new Upload(t.url, {
        path: configPath(aProject),
        authorization: a.auth.Authorization,
        declaredBytes: 10_000,
        sentBytes: 10,
      });
      open.push(large);
      expect((await large.answer).status).toBe(429);
      // 60,000 + a small body stay under 65,536 bytes, and 2 writes under the count.
      await t
        .http()
        .put(configPath(aProject))
        .set(a.auth)
        .send({ test_secret_key: fakeKey('sk_test_') })
        .expect(200);
    });

    it("does not count a request whose token does not verify: forged tokens with A's id use none of A's slots", async () => {
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: a.id, role: 'developer', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
      const forged = [
        `Bearer ${hs256Token(a.id, 'not-the-service-secret-at-all')}`,
        `Bearer ${unsigned}`,
        `Bearer ${hs256Token(a.id, t.config.auth.jwtSecret, { exp: Math.floor(Date.now() / 1000) - 10 })}`,
        `Bearer ${hs256Token(a.id, t.config.auth.jwtSecret, { exp: undefined })}`,
      ];
      for (const authorization of forged) await heldWrite(authorization);
      // Four forged uploads in flight, and A's own writes still have both slots.
      await heldWrite(a.auth.Authorization);
      await t
        .http()
        .put(configPath(aProject))
        .set(a.auth)
        .send({ test_secret_key: fakeKey('sk_test_') })
        .expect(200);
      // Each forged request is answered by the bearer guard once its body is there.
      open[0].send(990);
      expect((await open[0].answer).status).toBe(401);
      // A token of the right secret but another subject is that subject's, not A's.
      const stranger = `Bearer ${hs256Token(randomUUID(), t.config.auth.jwtSecret)}`;
      await heldWrite(stranger);
      await heldWrite(stranger);
      await t
        .http()
        .put(configPath(aProject))
        .set(a.auth)
        .send({ test_secret_key: fakeKey('sk_test_') })
        .expect(200);
    });

    it('leaves requests without a token untouched (401 from the bearer guard, never 429)', async () => {
      await heldWrite(a.auth.Authorization);
      await heldWrite(a.auth.Authorization);
      await t
        .http()
        .put(configPath(aProject))
        .send({ test_secret_key: fakeKey('sk_test_') })
        .expect(401);
    });
  });

  describe('listings and event reads', () => {
    let locker: Client;

    beforeEach(async () => {
      locker = new Client({ connectionString: t.config.database.url });
      await locker.connect();
    });
    afterEach(async () => {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    });

    /** Holds the stripe_webhook_events table: a query on it waits until ROLLBACK. */
    async function lockEvents(): Promise<void> {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE stripe_webhook_events IN ACCESS EXCLUSIVE MODE');
    }

    /** Until `n` statements of the service wait for a lock. */
    async function untilWaiting(n: number): Promise<void> {
      for (let attempt = 0; attempt < 500; attempt += 1) {
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0].n >= n) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`fewer than ${n} statements waiting for a lock`);
    }

    it("answers A's second listing 429 while its first is in flight; B's listings are answered", async () => {
      // One listing alone takes one slot, HEAD (Fastify's copy of the GET route) included.
      await t.http({ validate: false }).head('/api/v1/projects/').set(a.auth).expect(200);
      await lockEvents();
      const first = t
        .http()
        .get(configPath(aProject, 'webhook-events'))
        .set(a.auth)
        .then((res) => res);
      await untilWaiting(1);
      for (const path of ['/api/v1/projects/', configPath(aProject, 'audit-log'), '/api/v1/payments/stats']) {
        const res = await t.http().get(path).set(a.auth);
        expect(res.status).toBe(429);
        expect(res.headers['retry-after']).toBe('1');
        expect(res.body).toEqual({ detail: 'Too many listings of this developer in flight. Retry after 1 second.' });
      }
      await t.http({ validate: false }).head('/api/v1/projects/').set(a.auth).expect(429);
      await t.http().get('/api/v1/projects/').set(b.auth).expect(200);
      await t.http().get(configPath(bProject, 'audit-log')).set(b.auth).expect(200);
      // A's other operations are other kinds: not refused.
      await t.http().get(configPath(aProject)).set(a.auth).expect(200);
      await locker.query('ROLLBACK');
      expect((await first).status).toBe(200);
    });

    it("answers A's second read of an event 429 while its first is in flight", async () => {
      await deliver(t, aProject, aWebhookSecret, JSON.parse(testEventPayload()) as object).expect(200);
      const list = await t.http().get(configPath(aProject, 'webhook-events')).set(a.auth).expect(200);
      const eventPath = configPath(aProject, `webhook-events/${(list.body.items as { id: string }[])[0].id}`);
      await lockEvents();
      const first = t
        .http()
        .get(eventPath)
        .set(a.auth)
        .then((res) => res);
      await untilWaiting(1);
      const second = await t.http().get(eventPath).set(a.auth);
      expect(second.status).toBe(429);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.body).toEqual({
        detail: 'Too many event reads of this developer in flight. Retry after 1 second.',
      });
      await t.http().get(configPath(bProject)).set(b.auth).expect(200);
      await locker.query('ROLLBACK');
      expect((await first).status).toBe(200);
      await t.http().get(eventPath).set(a.auth).expect(200);
    });
  });
});

describe('Tenant isolation: bytes per developer per second, DEVELOPER_BYTES_PER_SECOND=2000 (e2e)', () => {
  let r: TestApp;
  let c: Developer;
  let d: Developer;
  let cProject: string;
  let dProject: string;
  let dWebhookSecret: string;

  beforeAll(async () => {
    r = await createTestApp({ listen: true, env: { DEVELOPER_BYTES_PER_SECOND: '2000' } });
    c = await registerDeveloper(r);
    d = await registerDeveloper(r);
    dWebhookSecret = fakeKey('whsec_', 32);
    cProject = await projectWithConfig(r, c, { test_secret_key: fakeKey('sk_test_') });
    dProject = await projectWithConfig(r, d, { test_webhook_secret: dWebhookSecret });
  });
  afterAll(() => r?.close());

  it("charges a write's declared bytes when it is let in: C then owes, its writes and event reads are refused unread; D's are not", async () => {
    // Let in whole (C owes nothing yet), its 10,000 declared bytes charged before any is read.
    const large = new Upload(r.url, {
      path: configPath(cProject),
      authorization: c.auth.Authorization,
      declaredBytes: 10_000,
      sentBytes: 10,
      expectContinue: true,
    });
    await large.continued;
    large.close();
    const refused = await r
      .http()
      .put(configPath(cProject))
      .set(c.auth)
      .send({ test_secret_key: fakeKey('sk_test_') });
    expect(refused.status).toBe(429);
    expect(refused.headers.connection).toBe('close');
    // Owed ~8,000 bytes at 2,000 a second: several seconds, said in Retry-After and the detail.
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(2);
    expect(refused.body).toEqual({
      detail: `This developer's writes and event reads have used their bytes per second. Retry after ${wait} seconds.`,
    });
    await r
      .http()
      .get(configPath(cProject, 'webhook-events/00000000-0000-4000-8000-000000000000'))
      .set(c.auth)
      .expect(429);
    // Reads of C's config and C's listings are not charged; D has its own bucket.
    await r.http().get(configPath(cProject)).set(c.auth).expect(200);
    await r.http().get('/api/v1/projects/').set(c.auth).expect(200);
    await r
      .http()
      .put(configPath(dProject))
      .set(d.auth)
      .send({ test_secret_key: fakeKey('sk_test_') })
      .expect(200);
  });

  it("charges the bytes of an event served whole: D's next read is refused while it owes them", async () => {
    // An event of ~20,000 bytes: one read owes ~9 seconds of D's 2,000 bytes a second.
    const event = {
      ...(JSON.parse(testEventPayload('customer.created')) as object),
      data: { object: { description: 'x'.repeat(20_000) } },
    };
    await deliver(r, dProject, dWebhookSecret, event).expect(200);
    const list = await r.http().get(configPath(dProject, 'webhook-events')).set(d.auth).expect(200);
    const eventPath = configPath(dProject, `webhook-events/${(list.body.items as { id: string }[])[0].id}`);
    await r.http().get(eventPath).set(d.auth).expect(200);
    const refused = await r.http().get(eventPath).set(d.auth);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    expect(refused.body.detail).toMatch(/^This developer's writes and event reads have used their bytes per second/);
    // D's listing is not charged; C's reads of its config never were.
    await r.http().get(configPath(dProject, 'webhook-events')).set(d.auth).expect(200);
    await r.http().get(configPath(cProject)).set(c.auth).expect(200);
  });
});
