import { Client } from 'pg';
import Stripe from 'stripe';
import type { Response } from 'supertest';
import { fakeKey, projectWithConfig, registerDeveloper, testEventPayload } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

const webhookPath = (projectId: string) => `/api/v1/payments/stripe/webhooks/${projectId}/test`;

function sign(payload: string, secret: string): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret });
}

/**
 * One project's share of the receiver (WEBHOOK_PROJECT_CONCURRENCY and friends): a delivery of
 * project A is held inside its transaction by a row lock this test holds, so A's share stays taken
 * for as long as the test wants, without timing anything.
 */
describe('Webhook receiver: one project cannot take the receiver from another (e2e)', () => {
  let t: TestApp;
  let holder: Client;
  let projectA: string;
  let projectB: string;
  let secretA: string;
  let secretB: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        WEBHOOK_PROJECT_CONCURRENCY: '1',
        WEBHOOK_PROJECT_MAX_WAITING: '1',
        // Long enough that the waiting delivery is still waiting when the lock is released.
        WEBHOOK_PROJECT_MAX_WAIT_MS: '60000',
        // The held delivery waits on the test's row lock: no database deadline may end it first.
        DATABASE_LOCK_TIMEOUT_MS: '60000',
        DATABASE_STATEMENT_TIMEOUT_MS: '60000',
        DATABASE_QUERY_TIMEOUT_MS: '61000',
      },
    });
    const [devA, devB] = [await registerDeveloper(t), await registerDeveloper(t)];
    secretA = fakeKey('whsec_', 32);
    secretB = fakeKey('whsec_', 32);
    projectA = await projectWithConfig(t, devA, { test_webhook_secret: secretA });
    projectB = await projectWithConfig(t, devB, { test_webhook_secret: secretB });
    holder = new Client({ connectionString: t.config.database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await t?.close();
  });

  const deliver = (projectId: string, payload: string, signature: string): Promise<Response> =>
    t
      .http()
      .post(webhookPath(projectId))
      .set('Content-Type', 'application/json; charset=utf-8')
      .set('Stripe-Signature', signature)
      .send(payload)
      .then((res) => res);

  const storedCount = async (projectId: string): Promise<number> =>
    Number(
      (await t.db.query('SELECT count(*) AS n FROM stripe_webhook_events WHERE project_id = $1', [projectId])).rows[0]
        .n,
    );

  /** Backends of this database waiting for a lock (the held delivery's INSERT). */
  const lockWaiters = async (): Promise<number> =>
    Number(
      (
        await t.db.query(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
      ).rows[0].n,
    );

  it("with A's share taken, A's next delivery waits and the one after is a 503; forged ones are refused before the gate; B's is stored at once", async () => {
    // A delivery whose event row the test has inserted, uncommitted: its INSERT waits for this transaction.
    const held = JSON.parse(testEventPayload('customer.subscription.created')) as { id: string };
    const heldPayload = JSON.stringify(held);
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO stripe_webhook_events (project_id, mode, event_id, event_type, stripe_created_at, payload, payload_size)
       VALUES ($1, 'test', $2, 'customer.subscription.created', now(), '{}'::jsonb, 2)`,
      [projectA, held.id],
    );
    const first = deliver(projectA, heldPayload, sign(heldPayload, secretA));
    while ((await lockWaiters()) === 0) await new Promise((r) => setTimeout(r, 20));

    // Forged deliveries to A (another secret) with A's share taken: refused as forged, not queued.
    const forged = await Promise.all(
      [1, 2, 3].map(() => {
        const payload = testEventPayload();
        return deliver(projectA, payload, sign(payload, fakeKey('whsec_', 32)));
      }),
    );
    expect(forged.map((r) => r.status)).toEqual([400, 400, 400]);

    // A's next two signed deliveries: one waits (WEBHOOK_PROJECT_MAX_WAITING=1), the other is a 503 at once.
    const [secondPayload, thirdPayload] = [testEventPayload(), testEventPayload()];
    const second = deliver(projectA, secondPayload, sign(secondPayload, secretA));
    const third = deliver(projectA, thirdPayload, sign(thirdPayload, secretA));
    const refused = await Promise.race([second, third]);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body.detail).toMatch(/Too many deliveries for this project/);

    // The forged ones took no place either: more of them, with the queue full, are still 400s.
    const forgedPayload = testEventPayload();
    expect((await deliver(projectA, forgedPayload, sign(forgedPayload, 'whsec_wrong'))).status).toBe(400);

    // Project B is not queued behind A: stored at once, while A's first is held and its second waits.
    const bPayload = testEventPayload('customer.subscription.created');
    const b = await deliver(projectB, bPayload, sign(bPayload, secretB));
    expect(b.status).toBe(200);
    expect(b.body).toEqual({ received: true, duplicate: false });
    expect(await storedCount(projectB)).toBe(1);
    expect(await storedCount(projectA)).toBe(0);

    // Released: the held delivery and the waiting one are stored; the refused one was not.
    await holder.query('ROLLBACK');
    const answers = await Promise.all([first, second, third]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 503]);
    expect(await storedCount(projectA)).toBe(2);

    // Stripe retries the refused delivery: stored then, nothing lost.
    const retriedPayload = refused === (await third) ? thirdPayload : secondPayload;
    const retried = await deliver(projectA, retriedPayload, sign(retriedPayload, secretA));
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ received: true, duplicate: false });
    expect(await storedCount(projectA)).toBe(3);
  });
});
