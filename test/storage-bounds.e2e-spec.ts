import Stripe from 'stripe';
import { WebhookEventRetention } from '../src/stripe-webhooks/webhook-event-retention';
import { configPath, createProject, fakeKey, putConfig, registerDeveloper, testEventPayload } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

const QUOTA = 3;
const AUDIT_ROWS_PER_MINUTE = 2;

/** What one tenant can make the service store is bounded: events by age and per-project quota, audit rows per minute. */
describe('Storage a tenant can fill is bounded (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        WEBHOOK_EVENT_QUOTA_COUNT: String(QUOTA),
        WEBHOOK_EVENT_RETENTION: '1h',
        AUDIT_MAX_ROWS_PER_MINUTE: String(AUDIT_ROWS_PER_MINUTE),
      },
    });
  });
  afterAll(() => t?.close());

  async function projectWithSecret(): Promise<{ projectId: string; secret: string; auth: Record<string, string> }> {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    const secret = fakeKey('whsec_', 32);
    await putConfig(t, dev, projectId, { test_webhook_secret: secret }).expect(200);
    return { projectId, secret, auth: dev.auth };
  }

  async function deliver(projectId: string, secret: string): Promise<string> {
    const payload = testEventPayload();
    await t
      .http()
      .post(`/api/v1/payments/stripe/webhooks/${projectId}/test`)
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
      .send(payload)
      .expect(200);
    return (JSON.parse(payload) as { id: string }).id;
  }

  const storedIds = async (projectId: string): Promise<string[]> =>
    (
      await t.db.query<{ event_id: string }>(
        'SELECT event_id FROM stripe_webhook_events WHERE project_id = $1 ORDER BY received_at, id',
        [projectId],
      )
    ).rows.map((r) => r.event_id);

  it('a project keeps at most WEBHOOK_EVENT_QUOTA_COUNT events: the oldest go first, other projects keep theirs', async () => {
    const retention = t.app.get(WebhookEventRetention);
    const other = await projectWithSecret();
    const otherIds = [await deliver(other.projectId, other.secret)];
    const { projectId, secret } = await projectWithSecret();
    const ids: string[] = [];
    for (let i = 0; i < 2 * QUOTA + 1; i++) ids.push(await deliver(projectId, secret));
    await retention.prune();
    expect(await storedIds(projectId)).toEqual(ids.slice(-QUOTA));
    expect(await storedIds(other.projectId)).toEqual(otherIds);
  });

  it('reaching the quota between two runs prunes the project at once (a tally on insert, no query)', async () => {
    const retention = t.app.get(WebhookEventRetention);
    await retention.prune(); // nothing pending from earlier tests
    const { projectId, secret } = await projectWithSecret();
    const ids: string[] = [];
    for (let i = 0; i < 2 * QUOTA; i++) ids.push(await deliver(projectId, secret));
    // Not retention.prune(): the QUOTA-th and 2×QUOTA-th stored events each started a prune of the project.
    await (retention as unknown as { running: Promise<void> }).running;
    expect(await storedIds(projectId)).toEqual(ids.slice(-QUOTA));
  });

  it('events older than WEBHOOK_EVENT_RETENTION are deleted', async () => {
    const { projectId, secret } = await projectWithSecret();
    const old = await deliver(projectId, secret);
    const recent = await deliver(projectId, secret);
    await t.db.query(
      `UPDATE stripe_webhook_events SET received_at = now() - interval '2 hours' WHERE project_id = $1 AND event_id = $2`,
      [projectId, old],
    );
    await t.app.get(WebhookEventRetention).prune();
    expect(await storedIds(projectId)).toEqual([recent]);
  });

  it('audit rows beyond AUDIT_MAX_ROWS_PER_MINUTE are coalesced per minute, and every write is still counted', async () => {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    const writes = 10;
    for (let i = 0; i < writes; i++) {
      const field = i % 2 === 0 ? 'test_secret_key' : 'test_publishable_key';
      await putConfig(t, dev, projectId, { [field]: fakeKey(i % 2 === 0 ? 'sk_test_' : 'pk_test_', 32) }).expect(200);
    }
    const res = await t
      .http()
      .get(configPath(projectId, 'audit-log'))
      .query({ page_size: 100 })
      .set(dev.auth)
      .expect(200);
    const items = res.body.items as { action: string; changed_fields: string[]; coalesced_writes: number }[];
    // Every write is recorded: the rows' counts add up to the writes.
    expect(items.reduce((sum, e) => sum + e.coalesced_writes, 0)).toBe(writes);
    // One minute: 2 rows + 1 summary; a minute boundary during the test: at most twice that.
    expect(items.length).toBeLessThanOrEqual(2 * (AUDIT_ROWS_PER_MINUTE + 1));
    const summaries = items.filter((e) => e.action === 'coalesced');
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThanOrEqual(2);
    expect(summaries[0].changed_fields).toEqual(['test_publishable_key', 'test_secret_key']);
    expect(items.filter((e) => e.action !== 'coalesced').every((e) => e.coalesced_writes === 1)).toBe(true);
  });
});
