import Stripe from 'stripe';
import { WebhookDeliveryConfirmer } from '../src/stripe-webhooks/webhook-delivery-confirmer';
import { addDashboardWebhookEndpoint, EVENT_READ_PERMISSION, FakeStripe, sendEvent } from './helpers/fake-stripe';
import { configPath, createProject, Developer, fakeKey, putConfig, registerDeveloper } from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

type Mode = 'test' | 'live';
interface Check {
  code: string;
  status: string;
  message: string;
  details?: Record<string, unknown>;
}

const CONFIRMATIONS_PER_MINUTE = 4;
const webhookPath = (projectId: string, mode: Mode) => `/api/v1/payments/stripe/webhooks/${projectId}/${mode}`;
const webhookUrl = (projectId: string, mode: Mode) => `https://api.example.test${webhookPath(projectId, mode)}`;

/**
 * Anyone can POST to a project's receiver URL: a refusal only blames the owner's setup once Stripe,
 * asked with the project's own key, confirms that its account sent that event.
 */
describe('Refused webhook deliveries are confirmed with Stripe before they blame the setup (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripe;

  beforeAll(async () => {
    ({ t, stripe } = await startAppWithFakeStripe({
      // Client addresses from X-Forwarded-For, as behind the one proxy of a deployment.
      env: { WEBHOOK_CONFIRM_RATE: String(CONFIRMATIONS_PER_MINUTE), TRUST_PROXY: '1', STRIPE_TIMEOUT_MS: '1000' },
    }));
  });
  afterAll(() => t?.close());

  async function project(credentials: Record<string, string>): Promise<{ dev: Developer; projectId: string }> {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    await putConfig(t, dev, projectId, credentials).expect(200);
    return { dev, projectId };
  }

  function deliver(projectId: string, payload: string, signature: string, from = '198.51.100.1', mode: Mode = 'test') {
    return t
      .http()
      .post(webhookPath(projectId, mode))
      .set('Content-Type', 'application/json')
      .set('X-Forwarded-For', from)
      .set('Stripe-Signature', signature)
      .send(payload);
  }

  async function deliveries(dev: Developer, projectId: string, mode: Mode = 'test'): Promise<Check> {
    await t.app.get(WebhookDeliveryConfirmer).idle();
    const res = await t.http().get(configPath(projectId, 'health')).set(dev.auth).expect(200);
    return (res.body[mode].checks as (Check & { check: string })[]).find((c) => c.check === 'webhook_deliveries')!;
  }

  const eventCalls = () => stripe.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/events/'));

  it("a stranger's forged deliveries never blame the secret: unknown to the account (404), from how many addresses", async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: fakeKey('whsec_', 32) });
    const callsBefore = eventCalls().length;
    // Three strangers, each sending the same made-up event twice, signed with a secret of their own.
    for (const from of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      const payload = JSON.stringify({ id: `evt_forged${from.replace(/\D/g, '')}`, object: 'event', type: 'x' });
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: fakeKey('whsec_', 32) });
      for (let i = 0; i < 2; i++) {
        const res = await deliver(projectId, payload, signature, from).expect(400);
        expect(res.body.detail).toMatch(/^No valid signature/);
      }
    }
    const check = await deliveries(dev, projectId);
    expect(check).toMatchObject({ code: 'webhook_unconfirmed_refusals', status: 'unknown' });
    expect(check.message).not.toMatch(/does not match|copy that endpoint/);
    expect(check.message).toContain(
      'sent by someone other than Stripe, or by a webhook endpoint of another Stripe account',
    );
    expect(check.details).toMatchObject({
      signature_failures_24h: 0,
      failures_by_cause: { secret_mismatch: 0, clock_skew: 0, wrong_url_mode: 0 },
      unconfirmed_failures_24h: 6,
      unconfirmed_unknown_to_account_24h: 6,
      unconfirmed_client_addresses_24h: 3,
      unconfirmed_client_addresses_exact: true,
    });
    // One call per event id (its second delivery waited for, or reused, the first answer), with the project's key.
    const calls = eventCalls().slice(callsBefore);
    expect(calls.map((c) => c.path).sort()).toEqual([
      '/v1/events/evt_forged198511001',
      '/v1/events/evt_forged198511002',
      '/v1/events/evt_forged198511003',
    ]);
    expect(calls.every((c) => c.headers.authorization === `Bearer ${key}`)).toBe(true);
  });

  it('a delivery Stripe really sent, signed by an endpoint whose secret is not the stored one, is a confirmed mismatch', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: fakeKey('whsec_', 32) });
    const real = addDashboardWebhookEndpoint(stripe, key, { url: webhookUrl(projectId, 'test') });
    const payload = sendEvent(stripe, key);
    for (let i = 0; i < 3; i++) {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: real.secret });
      await deliver(projectId, payload, signature).expect(400);
    }
    const check = await deliveries(dev, projectId);
    expect(check).toMatchObject({ code: 'webhook_secret_mismatch', status: 'failing' });
    expect(check.details).toMatchObject({ signature_failures_24h: 3, unconfirmed_failures_24h: 0 });
  });

  it('a replayed genuine delivery (clock skew) counts only when Stripe confirms the event', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: secret });
    const old = Math.floor(Date.now() / 1000) - 1_000;
    const genuine = sendEvent(stripe, key);
    const unknown = JSON.stringify({ id: 'evt_notfromstripe1', object: 'event' });
    for (const payload of [genuine, unknown]) {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: old });
      await deliver(projectId, payload, signature).expect(400);
    }
    const check = await deliveries(dev, projectId);
    expect(check).toMatchObject({ code: 'webhook_clock_skew', status: 'warning' });
    expect(check.details).toMatchObject({
      failures_by_cause: { secret_mismatch: 0, clock_skew: 1, wrong_url_mode: 0 },
      unconfirmed_unknown_to_account_24h: 1,
    });
  });

  it('a live event on the test URL is confirmed with the live key; a made-up one blames nothing', async () => {
    const liveKey = fakeKey('sk_live_', 32);
    stripe.validKeys.add(liveKey);
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_webhook_secret: secret, live_secret_key: liveKey });
    const madeUp = JSON.stringify({ id: 'evt_madeuplive1', object: 'event', type: 'x', created: 1, livemode: true });
    let signature = Stripe.webhooks.generateTestHeaderString({ payload: madeUp, secret });
    await deliver(projectId, madeUp, signature).expect(400);
    expect((await deliveries(dev, projectId)).code).toBe('webhook_unconfirmed_refusals');

    const live = sendEvent(stripe, liveKey);
    signature = Stripe.webhooks.generateTestHeaderString({ payload: live, secret });
    await deliver(projectId, live, signature).expect(400);
    const check = await deliveries(dev, projectId);
    expect(check).toMatchObject({ code: 'webhook_wrong_url_mode', status: 'failing' });
    expect(eventCalls().at(-1)!.headers.authorization).toBe(`Bearer ${liveKey}`);
  });

  it('a restricted key without the events permission, no key, or a body without an event id: unconfirmed, not blamed', async () => {
    const restricted = fakeKey('rk_test_', 32);
    stripe.validKeys.add(restricted);
    stripe.keyPermissions.set(restricted, new Set(['rak_balance_read']));
    expect(stripe.keyPermissions.get(restricted)!.has(EVENT_READ_PERMISSION)).toBe(false);
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_secret_key: restricted, test_webhook_secret: secret });
    const payload = sendEvent(stripe, restricted);
    const wrong = (p: string) =>
      Stripe.webhooks.generateTestHeaderString({ payload: p, secret: fakeKey('whsec_', 32) });
    await deliver(projectId, payload, wrong(payload)).expect(400);
    // No id where Stripe puts it (first member): nothing is asked, nothing blamed.
    const noId = JSON.stringify({ object: 'event', id: 'evt_notfirst' });
    await deliver(projectId, noId, wrong(noId)).expect(400);
    const check = await deliveries(dev, projectId);
    expect(check).toMatchObject({ code: 'webhook_unconfirmed_refusals', status: 'unknown' });
    expect(check.details).toMatchObject({
      signature_failures_24h: 0,
      unconfirmed_failures_24h: 2,
      unconfirmed_unknown_to_account_24h: 0,
    });
    const answered = stripe.requests.filter((r) => r.headers.authorization === `Bearer ${restricted}`);
    expect(answered.map((r) => r.path)).toEqual([expect.stringMatching(/^\/v1\/events\/evt_/)]);
  });

  it('a flood of distinct made-up ids spends at most WEBHOOK_CONFIRM_RATE calls per project per minute', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: fakeKey('whsec_', 32) });
    const callsBefore = eventCalls().length;
    const flood = 30;
    await Promise.all(
      Array.from({ length: flood }, (_, i) => {
        const payload = JSON.stringify({ id: `evt_flood${i}`, object: 'event' });
        const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: fakeKey('whsec_', 32) });
        return deliver(projectId, payload, signature, `203.0.113.${i + 1}`).expect(400);
      }),
    );
    const check = await deliveries(dev, projectId);
    // A minute boundary may fall inside the flood: at most two windows' worth.
    const calls = eventCalls().length - callsBefore;
    expect(calls).toBeGreaterThanOrEqual(CONFIRMATIONS_PER_MINUTE);
    expect(calls).toBeLessThanOrEqual(2 * CONFIRMATIONS_PER_MINUTE);
    expect(check.details).toMatchObject({
      signature_failures_24h: 0,
      unconfirmed_failures_24h: flood,
      unconfirmed_unknown_to_account_24h: calls,
      unconfirmed_client_addresses_24h: flood,
    });
  });

  it("the 400 answer does not wait for Stripe's; a call that times out leaves the refusal unconfirmed", async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    stripe.behaviors.set(key, { kind: 'hang' });
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: fakeKey('whsec_', 32) });
    const payload = JSON.stringify({ id: 'evt_slowstripe1', object: 'event' });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: fakeKey('whsec_', 32) });
    const confirmer = t.app.get(WebhookDeliveryConfirmer);
    await deliver(projectId, payload, signature).expect(400);
    let settled = false;
    const pending = confirmer.idle().then(() => (settled = true));
    // Stripe has the call and never answers; the delivery was answered all the same.
    const until = Date.now() + 5_000;
    while (!eventCalls().some((c) => c.path === '/v1/events/evt_slowstripe1') && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(eventCalls().map((c) => c.path)).toContain('/v1/events/evt_slowstripe1');
    expect(settled).toBe(false);
    await pending; // the call's deadline (STRIPE_TIMEOUT_MS)
    const check = await deliveries(dev, projectId);
    expect(check).toMatchObject({ code: 'webhook_unconfirmed_refusals' });
    expect(check.details).toMatchObject({ unconfirmed_failures_24h: 1, unconfirmed_unknown_to_account_24h: 0 });
  });
});
