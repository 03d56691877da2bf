import { Client } from 'pg';
import { addEvent, addPayment, addSubscription, FakeStripe } from './helpers/fake-stripe';
import { createTestDatabase, createTestApp, testEncryptionKey, type TestApp } from './helpers/test-app';
import { type Developer, fakeKey, projectWithConfig, registerDeveloper } from './helpers/fixtures';
import { deliver, stripeEvent } from './helpers/ledger-events';

/**
 * The ledger's history import (sync) and gap sweep, end to end: a real PostgreSQL (the job queue is
 * pg-boss in it), the fake Stripe over HTTP serving lists page by page.
 */
const syncPath = (projectId: string) => `/api/v1/payments/stripe/projects/${projectId}/payments/sync`;

interface SyncState {
  status: string;
  subscriptions_imported: number;
  payments_imported: number;
  pages_fetched: number;
  stripe_calls: number;
  last_error: string | null;
  finished_at: string | null;
}

/**
 * Every app of this file shares its secrets: passport's JWT strategy is process-wide (the last app
 * started verifies every app's tokens), and a key stored through one app is decrypted by another.
 */
const SHARED_SECRETS = { JWT_SECRET: fakeKey('', 43), ENCRYPTION_KEYS: testEncryptionKey() };

/** Settings that keep the jobs quick: pages of 100 with few per run (so a sync hands over), short retries. */
const FAST_JOBS = {
  PAYMENTS_JOB_POLL_INTERVAL: '1s',
  PAYMENTS_JOB_RETRY_DELAY: '1s',
  PAYMENTS_JOB_STRIPE_RATE: '100',
  PAYMENTS_SYNC_MAX_PAGES_PER_RUN: '2',
};

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}: last seen ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Payments sync and sweep (e2e)', () => {
  const stripe = new FakeStripe();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  let dev: Developer;

  const start = (env: Record<string, string> = {}) =>
    createTestApp({
      databaseUrl: database.url,
      env: { STRIPE_API_BASE: stripe.url, ...SHARED_SECRETS, ...FAST_JOBS, ...env },
    });

  beforeAll(async () => {
    await stripe.start();
    database = await createTestDatabase({ migrated: true });
    t = await start();
    dev = await registerDeveloper(t);
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await database?.drop();
    await stripe.stop();
  });

  /**
   * A project of `dev` whose test secret key Stripe knows, with `subscriptions` in Stripe, the first
   * `paying` of them with two payments each: one paid (the first of all refunded 500), one failed.
   */
  async function projectWithHistory(
    subscriptions: number,
    paying = subscriptions,
  ): Promise<{ projectId: string; key: string }> {
    const key = fakeKey('sk_test_', 24);
    stripe.validKeys.add(key);
    for (let i = 0; i < subscriptions; i++) {
      const sub = addSubscription(stripe.objects, key, { created: 1_790_000_000 + i, nickname: 'Pro monthly' });
      if (i >= paying) continue;
      addPayment(stripe.objects, key, { subscription: sub, created: 1_790_000_000 + i, refunded: i === 0 ? 500 : 0 });
      addPayment(stripe.objects, key, {
        subscription: sub,
        status: 'requires_payment_method',
        created: 1_790_100_000 + i,
      });
    }
    const projectId = await projectWithConfig(t, dev, { test_secret_key: key });
    return { projectId, key };
  }

  const readState = (app: TestApp, projectId: string) => async () =>
    (await app.http().get(syncPath(projectId)).set(dev.auth).expect(200)).body.test as SyncState;

  it('imports existing subscriptions and payments page by page, with progress, once per project and mode at a time', async () => {
    const { projectId, key } = await projectWithHistory(101, 5);
    const started = await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' }).expect(202);
    expect(started.body).toMatchObject({ mode: 'test', status: 'queued', pages_fetched: 0 });

    // A second sync of the same mode while the first is queued or running is refused.
    const again = await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' });
    if (again.status !== 202) expect(again.body.detail).toMatch(/already (queued|running)/);
    const state = await waitFor(readState(t, projectId), (s) => s?.status === 'succeeded', 'the sync to succeed');
    expect(again.status).toBe(409);

    // 101 subscriptions (2 pages of 100), then 10 invoices, 10 payment intents, 10 charges (a page each).
    expect(state).toMatchObject({ subscriptions_imported: 101, payments_imported: 10, pages_fetched: 5 });
    expect(state.stripe_calls).toBe(5);
    // The sync's own list calls (the ledger's lookups of product names and invoice payments are its own).
    const calls = stripe.requests.filter(
      (r) => r.headers.authorization === `Bearer ${key}` && !/^\/v1\/(products|invoice_payments)\b/.test(r.path),
    );
    expect(calls.map((r) => r.path.split('?')[0])).toEqual([
      '/v1/subscriptions',
      '/v1/subscriptions',
      '/v1/invoices',
      '/v1/payment_intents',
      '/v1/charges',
    ]);
    const first = new URLSearchParams(calls[0].path.split('?')[1]);
    expect(first.get('limit')).toBe('100');
    expect(first.get('status')).toBe('all');
    // The second page continues after the last id of the first.
    expect(new URLSearchParams(calls[1].path.split('?')[1]).get('starting_after')).toMatch(/^sub_/);
    // PAYMENTS_SYNC_MAX_PAGES_PER_RUN=2: three job runs, handed over from one to the next.
    const jobs = await t.db.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'payments_sync' AND data->>'projectId' = $1`,
      [projectId],
    );
    expect(jobs.rows[0].n).toBe(3);

    // The developer sees them in the ledger: every subscription, one payment per payment intent
    // (succeeded and failed), each linked to its subscription through the paid invoice.
    const subs = await t
      .http()
      .get(`/api/v1/payments/stripe/projects/${projectId}/subscriptions?page_size=100`)
      .set(dev.auth)
      .expect(200);
    expect(subs.body.total).toBe(101);
    expect(new Set(subs.body.subscriptions.map((s: { status: string }) => s.status))).toEqual(new Set(['active']));
    const payments = await t
      .http()
      .get(`/api/v1/payments/stripe/projects/${projectId}/payments?page_size=100`)
      .set(dev.auth)
      .expect(200);
    expect(payments.body.total).toBe(10);
    const { rows: byStatus } = await t.db.query(
      `SELECT status, count(*)::int AS n, count(stripe_subscription_id)::int AS linked,
              sum(refunded_amount_cents)::int AS refunded
         FROM ledger_payments WHERE project_id = $1 GROUP BY status ORDER BY status`,
      [projectId],
    );
    expect(byStatus).toEqual([
      { status: 'failed', n: 5, linked: 0, refunded: 0 },
      { status: 'succeeded', n: 5, linked: 5, refunded: 500 },
    ]);
  });

  it('lets an event delivered during the sync that is newer win over the imported state, and not an older one', async () => {
    const key = fakeKey('sk_test_', 24);
    const secret = fakeKey('whsec_', 32);
    stripe.validKeys.add(key);
    const a = addSubscription(stripe.objects, key, { nickname: 'Pro monthly' });
    const b = addSubscription(stripe.objects, key, { nickname: 'Pro monthly' });
    const projectId = await projectWithConfig(t, dev, { test_secret_key: key, test_webhook_secret: secret });
    // Stripe reads the subscriptions at once (both active) but its answer takes a while to arrive.
    stripe.answerLate(1500, { method: 'GET', path: /^\/v1\/subscriptions/ });
    await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' }).expect(202);
    await waitFor(
      async () => stripe.requests.some((r) => r.headers.authorization === `Bearer ${key}`),
      (asked) => asked,
      'the first page to be asked for',
    );
    // Meanwhile: a newer change of A, and a late, older change of B.
    const now = Math.floor(Date.now() / 1000);
    await deliver(
      t,
      projectId,
      secret,
      stripeEvent('evt_newer_a', 'customer.subscription.updated', now + 2, { ...a, status: 'past_due' }),
    ).expect(200);
    await deliver(
      t,
      projectId,
      secret,
      stripeEvent('evt_older_b', 'customer.subscription.updated', now - 3600, { ...b, status: 'past_due' }),
    ).expect(200);
    await waitFor(readState(t, projectId), (s) => s?.status === 'succeeded', 'the sync');
    const { rows } = await t.db.query(
      `SELECT stripe_subscription_id AS id, status FROM ledger_subscriptions WHERE project_id = $1 ORDER BY status`,
      [projectId],
    );
    expect(rows).toEqual([
      { id: b.id, status: 'active' },
      { id: a.id, status: 'past_due' },
    ]);
  });

  it('keeps ids only in the job payload: no key, no secret', async () => {
    const { projectId, key } = await projectWithHistory(1);
    await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' }).expect(202);
    await waitFor(readState(t, projectId), (s) => s?.status === 'succeeded', 'the sync');
    const { rows } = await t.db.query(`SELECT data::text AS data FROM pgboss.job WHERE data->>'projectId' = $1`, [
      projectId,
    ]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows as { data: string }[]) {
      expect(JSON.parse(row.data)).toEqual({ projectId, mode: 'test' });
      expect(row.data).not.toContain(key);
      expect(row.data).not.toMatch(/sk_(test|live)_/);
    }
    // Finished: a new sync of the mode may start.
    await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' }).expect(202);
  });

  it('answers 422 for a bad body and 409 for a mode without a stored key', async () => {
    const { projectId } = await projectWithHistory(0);
    for (const body of [{}, { mode: 'prod' }, { mode: 1 }]) {
      const res = await t.http().post(syncPath(projectId)).set(dev.auth).send(body).expect(422);
      expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'mode'] });
    }
    const res = await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'live' }).expect(409);
    expect(res.body.detail).toMatch(/No live secret key/);
    const other = await registerDeveloper(t);
    await t.http().get(syncPath(projectId)).set(other.auth).expect(403);
    await t.http().get(syncPath(projectId)).expect(401);
  });

  it('ends failed, with the masked reason, when Stripe refuses the key (no retry)', async () => {
    const { projectId, key } = await projectWithHistory(1);
    stripe.behaviors.set(key, { kind: 'permission', permission: 'rak_subscription_read' });
    try {
      await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' }).expect(202);
      const state = await waitFor(readState(t, projectId), (s) => s?.status === 'failed', 'the sync to fail');
      expect(state.last_error).toBe('Stripe: the restricted key is missing the permission rak_subscription_read');
      expect(state.stripe_calls).toBe(1);
      expect(JSON.stringify(state)).not.toContain(key.slice(8));
    } finally {
      stripe.behaviors.delete(key);
    }
  });

  it('retries a sync whose Stripe call failed, with backoff, and resumes where it stopped', async () => {
    const { projectId, key } = await projectWithHistory(3);
    let failures = 0;
    // The third call (invoices, page 1) fails with a 500, then Stripe recovers.
    stripe.use((req, res) => {
      if (req.headers.authorization !== `Bearer ${key}` || !req.path.startsWith('/v1/invoices') || failures >= 1)
        return false;
      failures++;
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'An unknown error occurred', type: 'api_error' } }));
      return true;
    });
    await t.http().post(syncPath(projectId)).set(dev.auth).send({ mode: 'test' }).expect(202);
    const state = await waitFor(readState(t, projectId), (s) => s?.status === 'succeeded', 'the retried sync');
    expect(failures).toBe(1);
    expect(state.last_error).toBe('Stripe: Stripe returned a server error, try again later');
    // The page of subscriptions was read once: the retry resumed at the invoices.
    const paths = stripe.requests
      .filter((r) => r.headers.authorization === `Bearer ${key}`)
      .map((r) => r.path.split('?')[0]);
    expect(paths.filter((p) => p === '/v1/subscriptions')).toHaveLength(1);
    expect(paths.filter((p) => p === '/v1/invoices')).toHaveLength(2);
    expect(state).toMatchObject({ subscriptions_imported: 3, payments_imported: 6 });
  });

  it('stops at shutdown and survives a restart: a sync cut short by a stopping instance is finished by the next one', async () => {
    // A database of its own: no other instance with workers may see the job before the restart.
    const own = await createTestDatabase({ migrated: true });
    const env = { STRIPE_API_BASE: stripe.url, ...SHARED_SECRETS, ...FAST_JOBS };
    const jobStates = async () => {
      const c = new Client({ connectionString: own.url });
      await c.connect();
      try {
        return (
          (await c.query(`SELECT state FROM pgboss.job WHERE name = 'payments_sync' ORDER BY created_on`)).rows as {
            state: string;
          }[]
        ).map((r) => r.state);
      } finally {
        await c.end();
      }
    };
    let next: TestApp | undefined;
    try {
      const first = await createTestApp({ databaseUrl: own.url, env: { ...env, PAYMENTS_JOB_WORKERS: '1' } });
      const owner = await registerDeveloper(first);
      const key = fakeKey('sk_test_', 24);
      stripe.validKeys.add(key);
      const sub = addSubscription(stripe.objects, key, { nickname: 'Pro monthly' });
      addPayment(stripe.objects, key, { subscription: sub });
      const projectId = await projectWithConfig(first, owner, { test_secret_key: key });
      // The first page takes a while: the instance is asked to stop while its job waits for it.
      stripe.answerLate(1000, { method: 'GET', path: /^\/v1\/subscriptions/ });
      await first.http().post(syncPath(projectId)).set(owner.auth).send({ mode: 'test' }).expect(202);
      await waitFor(
        async () => stripe.requests.some((r) => r.headers.authorization === `Bearer ${key}`),
        (asked) => asked,
        'the first page to be asked for',
      );
      await first.close();
      // Shutdown let the page finish, then handed the rest of the sync over to a new job.
      expect(await jobStates()).toEqual(['completed', 'created']);

      // The next instance finds that job in PostgreSQL and finishes the sync where it stopped.
      next = await createTestApp({ databaseUrl: own.url, env });
      const read = async () =>
        (await next!.http().get(syncPath(projectId)).set(owner.auth).expect(200)).body.test as SyncState;
      const state = await waitFor(read, (s) => s.status === 'succeeded', 'the sync after the restart');
      expect(state).toMatchObject({ subscriptions_imported: 1, payments_imported: 1, pages_fetched: 4 });
      const paths = stripe.requests
        .filter((r) => r.headers.authorization === `Bearer ${key}`)
        .map((r) => r.path.split('?')[0]);
      expect(paths.filter((p) => p === '/v1/subscriptions')).toHaveLength(1);
    } finally {
      await next?.close();
      await own.drop();
    }
  });

  it("sweeps Stripe's event list and stores the events that were never delivered, once", async () => {
    const { projectId, key } = await projectWithHistory(0);
    const sub = addSubscription(stripe.objects, key);
    const recent = Math.floor(Date.now() / 1000) - 60;
    const missed = addEvent(stripe.objects, key, 'customer.subscription.updated', sub, { created: recent });
    const ignored = addEvent(
      stripe.objects,
      key,
      'customer.created',
      { id: 'cus_1', object: 'customer' },
      { created: recent },
    );
    // Already delivered: stored by the receiver before the sweep.
    const delivered = addEvent(stripe.objects, key, 'customer.subscription.created', sub, { created: recent - 10 });
    await t.db.query(
      `INSERT INTO stripe_webhook_events (project_id, mode, event_id, event_type, stripe_created_at, payload, payload_size)
       VALUES ($1, 'test', $2, $3, now(), $4::jsonb, 2)`,
      [projectId, delivered.id, delivered.type, JSON.stringify(delivered)],
    );
    const sweeper = await start({ PAYMENTS_SWEEP_INTERVAL: '1s', PAYMENTS_JOB_WORKERS: '1' });
    try {
      const sweep = async () =>
        (await sweeper.db.query(`SELECT * FROM payment_sweeps WHERE project_id = $1 AND mode = 'test'`, [projectId]))
          .rows[0] as
          { last_outcome: string | null; events_filled_total: string; swept_until: string | null } | undefined;
      const row = await waitFor(sweep, (r) => r?.last_outcome === 'ok', 'a sweep');
      expect(row!.events_filled_total).toBe('1');
      expect(Number(row!.swept_until)).toBe(recent);
      const stored = await t.db.query(
        `SELECT event_id FROM stripe_webhook_events WHERE project_id = $1 ORDER BY event_id`,
        [projectId],
      );
      expect(stored.rows.map((r: { event_id: string }) => r.event_id).sort()).toEqual([delivered.id, missed.id].sort());
      expect(stored.rows.map((r: { event_id: string }) => r.event_id)).not.toContain(ignored.id);
      const listCall = stripe.requests.find(
        (r) => r.headers.authorization === `Bearer ${key}` && r.path.startsWith('/v1/events'),
      )!;
      const query = new URLSearchParams(listCall.path.split('?')[1]);
      expect(query.get('limit')).toBe('100');
      expect(Number(query.get('created[gt]'))).toBeLessThan(recent);

      // The next runs find nothing new: the total stays.
      await waitFor(
        async () =>
          stripe.requests.filter((r) => r.headers.authorization === `Bearer ${key}` && r.path.startsWith('/v1/events'))
            .length,
        (n) => n >= 2,
        'a second sweep',
      );
      expect((await sweep())!.events_filled_total).toBe('1');

      // The health report shows the last sweep of the mode.
      const health = await t
        .http()
        .get(`/api/v1/payments/stripe/projects/${projectId}/health`)
        .set(dev.auth)
        .expect(200);
      expect(health.body.test.sweep).toMatchObject({ outcome: 'ok', events_filled: expect.any(Number) });
    } finally {
      await sweeper.close();
    }
  });
});
