import { Client } from 'pg';
import { createProject, Developer, registerDeveloper } from './helpers/fixtures';
import { RestartablePostgres } from './helpers/restartable-postgres';
import { createTestApp, TestApp } from './helpers/test-app';
import { abortedWhenTestEnds } from './helpers/test-signal';

/**
 * Fast answers while the database is down: on a quiet machine no request may take longer than this.
 * On a busy one every request is slower; the bound then grows with the slowest healthy request of the
 * same run (see `failFastMs`), so that it still tells "fails fast" from "waits for a timeout".
 */
const FAIL_FAST_MS = 2000;

interface Outcome {
  name: string;
  status: number;
  ms: number;
  body: unknown;
}

/**
 * A PostgreSQL of this test's own (never the machine's nor the run's shared one) is stopped while
 * requests keep coming, then started again; the same app instance must answer 503 fast meanwhile
 * and recover by itself, without losing any write it acknowledged.
 */
describe('Database outage (e2e, dedicated embedded PostgreSQL)', () => {
  let pg: RestartablePostgres | undefined;
  let t: TestApp;
  let dev: Developer;
  const testSignal = abortedWhenTestEnds();

  beforeAll(async () => {
    pg = await RestartablePostgres.create('faults');
    t = await createTestApp({ databaseUrl: pg.url('faults') });
    // The helper's direct connection dies with the server; its error must not crash the test process.
    t.db.on('error', () => undefined);
    dev = await registerDeveloper(t);
  }, 120_000);

  afterAll(async () => {
    await t?.app.close();
    await t?.db.end().catch(() => undefined);
    await pg?.destroy();
  }, 60_000);

  const createOne = async (name: string): Promise<Outcome> => {
    const started = Date.now();
    const res = await t.http().post('/api/v1/projects/').set(dev.auth).send({ name });
    return { name, status: res.status, ms: Date.now() - started, body: res.body };
  };

  it('answers 503 {"detail"} within 2 s while the database is down, reports it, and recovers without a restart', async () => {
    const signal = testSignal();
    const projectBefore = await createProject(t, dev, 'before outage');
    // Baseline of this machine right now: the slowest of a few healthy requests.
    let healthyMs = 0;
    for (let i = 0; i < 5; i += 1) healthyMs = Math.max(healthyMs, (await createOne(`baseline-${i}`)).ms);
    const failFastMs = FAIL_FAST_MS + 5 * healthyMs;
    await t
      .http()
      .get('/api/v1/health/database')
      .expect(200)
      .expect((res) => expect(res.body).toMatchObject({ status: 'healthy', connection: 'ok' }));

    // Load: 3 writers creating projects back to back, while the database is stopped under them.
    const outcomes: Outcome[] = [];
    let stopLoad = false;
    let counter = 0;
    const writer = async () => {
      while (!stopLoad && !signal.aborted && counter < 400) {
        counter += 1;
        outcomes.push(await createOne(`load-${counter}`));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const writers = [writer(), writer(), writer()];
    await new Promise((r) => setTimeout(r, 300));
    await pg!.stop();

    // While it is down: every kind of request fails fast with the API's 503 body.
    const during: Outcome[] = [];
    for (let i = 0; i < 5; i += 1) {
      during.push(await createOne(`during-${i}`));
      const started = Date.now();
      const read = await t.http().get(`/api/v1/projects/${projectBefore}`).set(dev.auth);
      during.push({ name: 'read', status: read.status, ms: Date.now() - started, body: read.body });
    }
    // The other operations that need the database answer the same documented 503.
    const others: [string, () => ReturnType<ReturnType<TestApp['http']>['get']>][] = [
      [
        'webhook-events',
        () => t.http().get(`/api/v1/payments/stripe/projects/${projectBefore}/webhook-events`).set(dev.auth),
      ],
      ['audit-log', () => t.http().get(`/api/v1/payments/stripe/projects/${projectBefore}/audit-log`).set(dev.auth)],
      [
        'webhook-endpoints',
        () =>
          t
            .http()
            .post(`/api/v1/payments/stripe/projects/${projectBefore}/webhook-endpoints`)
            .set(dev.auth)
            .send({ mode: 'test' }),
      ],
      // Rate limited: its counter lives in PostgreSQL too (RATE_LIMIT_STORE=postgres), read before the user.
      ['login', () => t.http().post('/api/v1/auth/login').send({ email: dev.email, password: dev.password })],
      [
        'webhook receiver',
        () =>
          t
            .http()
            .post(`/api/v1/payments/stripe/webhooks/${projectBefore}/test`)
            .set('Stripe-Signature', `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`)
            .set('Content-Type', 'application/json')
            .send('{"id":"evt_1","object":"event"}'),
      ],
    ];
    for (const [name, send] of others) {
      const started = Date.now();
      // t.http() fails the request if its status is not documented for the operation.
      const res = await send();
      during.push({ name, status: res.status, ms: Date.now() - started, body: res.body });
    }
    const health = await t.http().get('/api/v1/health/database');
    const liveness = await t.http().get('/api/v1/health');
    await new Promise((r) => setTimeout(r, 300));
    stopLoad = true;
    await Promise.all(writers);

    expect(during.map((o) => [o.name, o.status])).toEqual(during.map((o) => [o.name, 503]));
    expect(during).toHaveLength(15);
    for (const o of during) {
      expect(o.ms).toBeLessThan(failFastMs);
      expect(o.body).toEqual({ detail: expect.any(String) });
      // No driver detail (host, port, error code) reaches the caller.
      expect(JSON.stringify(o.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|5432|\d{4,5}|terminat/i);
    }
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ detail: expect.any(String) });
    expect(health.headers['retry-after']).toBeDefined();
    expect(liveness.status).toBe(200);
    expect(liveness.body).toMatchObject({ status: 'degraded', database: { status: 'down' } });
    // Under load, every answer was either an acknowledged write or a fast 503: no 500, no hang.
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 503 && o.ms >= failFastMs)).toEqual([]);
    expect(outcomes.some((o) => o.status === 201)).toBe(true);
    expect(outcomes.some((o) => o.status === 503)).toBe(true);

    // The database comes back: the same app instance recovers by itself.
    await pg!.start();
    const deadline = Date.now() + 20_000;
    let recovered = false;
    while (!recovered && !signal.aborted && Date.now() < deadline) {
      recovered = (await t.http().get('/api/v1/health/database')).status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toBe(true);
    await t.http().get(`/api/v1/projects/${projectBefore}`).set(dev.auth).expect(200);
    const after = await createOne('after outage');
    expect(after.status).toBe(201);

    // No acknowledged write is lost: every 201 is in the database after the restart.
    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.name);
    const check = new Client({ connectionString: pg!.url('faults') });
    await check.connect();
    try {
      const rows = await check.query<{ name: string }>('SELECT name FROM projects');
      const stored = new Set(rows.rows.map((r) => r.name));
      expect(acknowledged.filter((name) => !stored.has(name))).toEqual([]);
      expect(stored.has('after outage')).toBe(true);
    } finally {
      await check.end();
    }
  }, 120_000);
});
