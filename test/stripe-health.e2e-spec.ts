import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { CHECK_CODES, CHECK_STATUSES } from '../src/stripe-health/health-report';
import { WebhookDeliveryConfirmer } from '../src/stripe-webhooks/webhook-delivery-confirmer';
import { WebhookFailureCounter } from '../src/stripe-webhooks/webhook-failure-counter';
import { addDashboardWebhookEndpoint, FakeStripe, sendEvent, setWebhookEndpointStatus } from './helpers/fake-stripe';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  putConfig,
  registerDeveloper,
  setupWebhookEndpoint,
} from './helpers/fixtures';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

type Mode = 'test' | 'live';
interface Check {
  check: string;
  code: string;
  status: string;
  message: string;
  checked_at: string | null;
  details?: Record<string, unknown>;
}
interface Health {
  project_id: string;
  config_active: boolean | null;
  test: { mode: Mode; status: string; checks: Check[] };
  live: { mode: Mode; status: string; checks: Check[] };
}

const webhookPath = (projectId: string, mode: Mode) => `/api/v1/payments/stripe/webhooks/${projectId}/${mode}`;
const webhookUrl = (projectId: string, mode: Mode) => `https://api.example.test${webhookPath(projectId, mode)}`;

function event(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: `evt_${randomBytes(10).toString('hex')}`,
    object: 'event',
    // A type the payments ledger ignores: an empty invoice would be counted as unreadable (a warning).
    type: 'customer.created',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: {} },
    ...overrides,
  });
}

/** A key of Stripe's current shape, embedding the account id `acct_1<15 chars>` after `..._5`. */
function accountKey(prefix: string, account: string): string {
  return `${prefix}51${account}${fakeKey('', 40)}`;
}

describe('Stripe integration health (e2e, local Stripe-like server)', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  /** Every code and status a response showed: the last test checks that all of them were reached. */
  const seenCodes = new Set<string>();
  const seenStatuses = new Set<string>();

  beforeAll(async () => ({ t, stripe } = await startAppWithFakeStripe({ env: { RATE_LIMIT_STRIPE: '4/60' } })));
  afterAll(() => t?.close());

  function remember(body: Health): Health {
    for (const mode of [body.test, body.live]) {
      for (const c of mode.checks) {
        seenCodes.add(c.code);
        seenStatuses.add(c.status);
      }
    }
    return body;
  }

  async function health(dev: Developer, projectId: string): Promise<Health> {
    // Refusals are counted once Stripe has confirmed (or not) their events, in the background.
    await t.app.get(WebhookDeliveryConfirmer).idle();
    return remember((await t.http().get(configPath(projectId, 'health')).set(dev.auth).expect(200)).body);
  }

  async function refresh(dev: Developer, projectId: string): Promise<Health> {
    await t.app.get(WebhookDeliveryConfirmer).idle();
    return remember((await t.http().post(configPath(projectId, 'health/refresh')).set(dev.auth).expect(200)).body);
  }

  function find(body: Health, mode: Mode, check: string): Check {
    const found = body[mode].checks.find((c) => c.check === check);
    if (!found) throw new Error(`no ${check} check in ${mode}: ${JSON.stringify(body[mode])}`);
    return found;
  }

  /** A developer, a project and the given credentials stored. */
  async function project(credentials: Record<string, string> = {}): Promise<{ dev: Developer; projectId: string }> {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    if (Object.keys(credentials).length > 0) {
      await putConfig(t, dev, projectId, credentials).expect(200);
    }
    return { dev, projectId };
  }

  function deliver(projectId: string, mode: Mode, payload: string, signature: string) {
    return t
      .http()
      .post(webhookPath(projectId, mode))
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature)
      .send(payload);
  }

  it('without a configuration: nothing stored, each check says which field is missing', async () => {
    const { dev, projectId } = await project();
    const body = await health(dev, projectId);
    expect(body).toMatchObject({ project_id: projectId, config_active: null });
    expect(find(body, 'test', 'secret_key')).toMatchObject({
      code: 'secret_key_not_stored',
      status: 'warning',
      checked_at: null,
    });
    expect(find(body, 'test', 'secret_key').message).toContain('test_secret_key');
    expect(find(body, 'test', 'publishable_key')).toMatchObject({ code: 'publishable_key_not_stored' });
    expect(find(body, 'test', 'webhook_endpoint')).toMatchObject({
      code: 'webhook_endpoint_not_checked',
      status: 'unknown',
    });
    expect(find(body, 'test', 'webhook_deliveries')).toMatchObject({ code: 'webhook_secret_not_stored' });
    expect(find(body, 'live', 'go_live')).toMatchObject({ code: 'go_live_not_ready', status: 'warning' });
    expect(body.test.checks.map((c) => c.check)).not.toContain('go_live');
  });

  it('a stored key is "not checked" until a check runs; refresh checks it and the account\'s endpoints', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const { dev, projectId } = await project({ test_secret_key: key, test_publishable_key: fakeKey('pk_test_', 32) });
    const before = await health(dev, projectId);
    expect(find(before, 'test', 'secret_key')).toMatchObject({ code: 'secret_key_not_checked', status: 'unknown' });
    expect(find(before, 'test', 'publishable_key')).toMatchObject({ code: 'publishable_key_ok', status: 'ok' });

    const checked = await refresh(dev, projectId);
    const secret = find(checked, 'test', 'secret_key');
    expect(secret).toMatchObject({ code: 'secret_key_valid', status: 'ok' });
    expect(secret.message).toContain(`sk_test_...${key.slice(-4)}`);
    expect(Date.now() - Date.parse(secret.checked_at!)).toBeLessThan(60_000);
    expect(find(checked, 'test', 'webhook_endpoint')).toMatchObject({
      code: 'webhook_endpoint_missing',
      status: 'failing',
    });
    expect(find(checked, 'test', 'webhook_endpoint').message).toContain(webhookUrl(projectId, 'test'));
    expect(checked.test.status).toBe('failing');
    // Stripe saw one key check and one endpoint listing with the stored key.
    const calls = stripe.requests.filter((r) => r.headers.authorization === `Bearer ${key}`).map((r) => r.path);
    expect(calls).toEqual(['/v1/balance', expect.stringMatching(/^\/v1\/webhook_endpoints\?limit=100/)]);

    // The endpoint set up by the service, then a verified delivery: everything ok.
    const created = await setupWebhookEndpoint(t, dev, projectId).expect(201);
    const endpointSecret = stripe.webhookEndpoints.get(created.body.id)!.secret;
    const payload = event();
    await deliver(
      projectId,
      'test',
      payload,
      Stripe.webhooks.generateTestHeaderString({ payload, secret: endpointSecret }),
    ).expect(200);
    const after = await refresh(dev, projectId);
    expect(find(after, 'test', 'webhook_endpoint')).toMatchObject({ code: 'webhook_endpoint_ok', status: 'ok' });
    const deliveries = find(after, 'test', 'webhook_deliveries');
    expect(deliveries).toMatchObject({ code: 'webhook_deliveries_ok', status: 'ok' });
    expect(deliveries.details).toMatchObject({ signature_failures_24h: 0, last_verified_event_at: expect.any(String) });
    expect(after.test.status).toBe('ok');

    // A key stored after the check is not reported with the old key's outcome.
    await putConfig(t, dev, projectId, { test_secret_key: fakeKey('sk_test_', 32) }).expect(200);
    const changed = find(await health(dev, projectId), 'test', 'secret_key');
    expect(changed).toMatchObject({ code: 'secret_key_not_checked', status: 'unknown' });
    expect(changed.message).toMatch(/changed since its last check/);
  });

  it('a wrong webhook secret: refused deliveries are counted and one GET names the secret and the cause', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const pasted = fakeKey('whsec_', 32); // e.g. the secret of another endpoint, or of the other mode
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: pasted });
    // The endpoint that really delivers to this URL signs with its own secret.
    const real = addDashboardWebhookEndpoint(stripe, key, { url: webhookUrl(projectId, 'test') });
    for (let i = 0; i < 3; i++) {
      // Events Stripe sent (it confirms them with the stored key): only those blame the secret.
      const payload = sendEvent(stripe, key);
      const res = await deliver(
        projectId,
        'test',
        payload,
        Stripe.webhooks.generateTestHeaderString({ payload, secret: real.secret }),
      ).expect(400);
      // The receiver answers exactly as before.
      expect(res.body.detail).toMatch(/^No valid signature/);
    }
    const body = await health(dev, projectId);
    const deliveries = find(body, 'test', 'webhook_deliveries');
    expect(deliveries).toMatchObject({ code: 'webhook_secret_mismatch', status: 'failing' });
    expect(deliveries.message).toContain('the stored webhook secret does not match the endpoint sending events');
    expect(deliveries.message).toContain('test_webhook_secret');
    expect(deliveries.message).toContain(`whsec_...${pasted.slice(-4)}`);
    expect(deliveries.details).toMatchObject({
      signature_failures_24h: 3,
      failures_by_cause: { secret_mismatch: 3, clock_skew: 0, wrong_url_mode: 0 },
      last_verified_event_at: null,
    });
    // Counted per project and mode: the live side of the project and other projects see nothing.
    expect(find(body, 'live', 'webhook_deliveries').code).toBe('webhook_secret_not_stored');
  });

  it('a stored event the payments ledger cannot read is a ledger warning (answered 200)', async () => {
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_webhook_secret: secret });
    const payload = event({ type: 'invoice.paid', data: { object: { id: 'in_x', currency: 'dollars' } } });
    await deliver(projectId, 'test', payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
      200,
    );
    const ledger = find(await health(dev, projectId), 'test', 'ledger');
    expect(ledger).toMatchObject({ code: 'ledger_unprojectable_events', status: 'warning' });
    expect(ledger.message).toMatch(/1 stored test event could not be read/);
  });

  it('timestamps outside the tolerance are named as clock skew', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: secret });
    const payload = sendEvent(stripe, key);
    const old = Math.floor(Date.now() / 1000) - 1_000;
    await deliver(
      projectId,
      'test',
      payload,
      Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: old }),
    ).expect(400);
    const deliveries = find(await health(dev, projectId), 'test', 'webhook_deliveries');
    expect(deliveries).toMatchObject({ code: 'webhook_clock_skew', status: 'warning' });
    expect(deliveries.message).toMatch(/clock skew/);
  });

  it('a livemode mismatch: live events on the test URL, and a live endpoint registered on the test URL', async () => {
    const liveKey = fakeKey('sk_live_', 32);
    stripe.validKeys.add(liveKey);
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_webhook_secret: secret, live_secret_key: liveKey });
    // The live-mode endpoint was registered on the project's TEST URL (so it signs with the secret stored there).
    addDashboardWebhookEndpoint(stripe, liveKey, { url: webhookUrl(projectId, 'test') });
    const payload = sendEvent(stripe, liveKey);
    await deliver(projectId, 'test', payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
      400,
    );
    const body = await refresh(dev, projectId);
    const deliveries = find(body, 'test', 'webhook_deliveries');
    expect(deliveries).toMatchObject({ code: 'webhook_wrong_url_mode', status: 'failing' });
    expect(deliveries.message).toContain('registered on the wrong URL');
    expect(deliveries.message).toContain(webhookUrl(projectId, 'live'));
    const endpoint = find(body, 'live', 'webhook_endpoint');
    expect(endpoint).toMatchObject({ code: 'webhook_endpoint_wrong_url', status: 'failing' });
    expect(endpoint.message).toContain('registered on the wrong URL');
  });

  it('a disabled endpoint, and one not listening to every event the service needs', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const { dev, projectId } = await project({ test_secret_key: key });
    const endpoint = addDashboardWebhookEndpoint(stripe, key, {
      url: webhookUrl(projectId, 'test'),
      enabled_events: ['invoice.paid', 'checkout.session.completed'],
      metadata: { note: 'made in the dashboard' },
    });
    const partial = find(await refresh(dev, projectId), 'test', 'webhook_endpoint');
    expect(partial).toMatchObject({ code: 'webhook_endpoint_missing_events', status: 'warning' });
    expect(partial.message).toContain('customer.subscription.updated');
    expect(partial.message).not.toContain('invoice.paid,');

    setWebhookEndpointStatus(stripe, endpoint.id, 'disabled');
    const disabled = find(await refresh(dev, projectId), 'test', 'webhook_endpoint');
    expect(disabled).toMatchObject({ code: 'webhook_endpoint_disabled', status: 'failing' });
    expect(disabled.message).toContain(endpoint.id);
  });

  it.each([
    ['invalid (rolled)', 'secret_key_invalid', 'failing', undefined],
    ['expired', 'secret_key_expired', 'failing', { kind: 'expired' as const }],
    [
      'missing permission',
      'secret_key_missing_permission',
      'warning',
      { kind: 'permission' as const, permission: 'rak_balance_read' },
    ],
    ['rate-limited', 'secret_key_rate_limited', 'unknown', { kind: 'rate_limited' as const }],
    ['unreachable', 'secret_key_unreachable', 'unknown', { kind: 'server_error' as const }],
  ])(
    'a key Stripe answers as %s → %s (%s); the endpoint is then not checked',
    async (_name, code, status, behavior) => {
      const key = fakeKey('rk_test_', 32);
      if (behavior) {
        stripe.validKeys.add(key);
        stripe.behaviors.set(key, behavior);
      }
      const { dev, projectId } = await project({ test_secret_key: key });
      const body = await refresh(dev, projectId);
      const secret = find(body, 'test', 'secret_key');
      expect(secret).toMatchObject({ code, status });
      expect(secret.message).toContain(`rk_test_...${key.slice(-4)}`);
      expect(secret.message).not.toContain(key.slice(8, -4));
      expect(find(body, 'test', 'webhook_endpoint')).toMatchObject({
        code: 'webhook_endpoint_not_checked',
        status: 'unknown',
      });
    },
  );

  it('a publishable key of another account than the secret key is a warning; of the same account, ok', async () => {
    const account = fakeKey('', 15);
    const secret = accountKey('sk_test_', account);
    const { dev, projectId } = await project({
      test_secret_key: secret,
      test_publishable_key: accountKey('pk_test_', fakeKey('', 15)),
    });
    const other = find(await health(dev, projectId), 'test', 'publishable_key');
    expect(other).toMatchObject({ code: 'publishable_key_other_account', status: 'warning' });
    await putConfig(t, dev, projectId, { test_publishable_key: accountKey('pk_test_', account) }).expect(200);
    expect(find(await health(dev, projectId), 'test', 'publishable_key')).toMatchObject({ code: 'publishable_key_ok' });
  });

  it('the accounts and fingerprints are stored with the keys, the report reads them, and a key check fills a row that has none', async () => {
    const account = fakeKey('', 15);
    const secret = accountKey('sk_test_', account);
    stripe.validKeys.add(secret);
    const { dev, projectId } = await project({
      test_secret_key: secret,
      test_publishable_key: accountKey('pk_test_', account),
    });
    const stored = async () =>
      (
        await t.db.query<Record<string, string | null>>(
          `SELECT test_secret_key_account, test_publishable_key_account, test_secret_key_fingerprint,
                  md5(test_secret_key_encrypted) AS secret_md5, test_webhook_secret_fingerprint
             FROM stripe_configs WHERE project_id = $1`,
          [projectId],
        )
      ).rows[0];
    // Written by the PUT: the account embedded in each key, the fingerprint of each stored value.
    const written = await stored();
    expect(written).toMatchObject({
      test_secret_key_account: `1${account}`,
      test_publishable_key_account: `1${account}`,
      test_webhook_secret_fingerprint: null,
    });
    expect(written.test_secret_key_fingerprint).toBe(written.secret_md5);
    // The report compares the stored accounts, not the keys: another account in the column is reported
    // although both keys embed the same one.
    await t.db.query(`UPDATE stripe_configs SET test_publishable_key_account = $2 WHERE project_id = $1`, [
      projectId,
      `1${fakeKey('', 15)}`,
    ]);
    expect(find(await health(dev, projectId), 'test', 'publishable_key')).toMatchObject({
      code: 'publishable_key_other_account',
    });
    // A row stored before accounts were kept: nothing to compare, nothing reported, until its next key check.
    await t.db.query(
      `UPDATE stripe_configs SET test_secret_key_account = NULL, test_publishable_key_account = NULL WHERE project_id = $1`,
      [projectId],
    );
    expect(find(await health(dev, projectId), 'test', 'publishable_key')).toMatchObject({ code: 'publishable_key_ok' });
    const checked = await refresh(dev, projectId);
    expect(find(checked, 'test', 'secret_key')).toMatchObject({ code: 'secret_key_valid' });
    const after = await stored();
    expect(after).toMatchObject({
      test_secret_key_account: `1${account}`,
      test_publishable_key_account: `1${account}`,
    });
    // The check stored the fingerprint of the key it checked: the one in stripe_configs.
    const { rows } = await t.db.query<{ key_fingerprint: string }>(
      `SELECT key_fingerprint FROM stripe_health_checks WHERE project_id = $1 AND mode = 'test'`,
      [projectId],
    );
    expect(rows).toEqual([{ key_fingerprint: after.test_secret_key_fingerprint }]);
  });

  it('go-live readiness: live keys valid, live endpoint enabled, a live event verified', async () => {
    const liveKey = fakeKey('sk_live_', 32);
    stripe.validKeys.add(liveKey);
    const { dev, projectId } = await project({
      live_secret_key: liveKey,
      live_publishable_key: fakeKey('pk_live_', 32),
    });
    const created = await setupWebhookEndpoint(t, dev, projectId, 'live').expect(201);
    const notYet = find(await refresh(dev, projectId), 'live', 'go_live');
    expect(notYet).toMatchObject({ code: 'go_live_not_ready', status: 'warning' });
    expect(notYet.message).toBe('Not ready for live payments: no live event verified yet');
    const payload = event({ livemode: true });
    const secret = stripe.webhookEndpoints.get(created.body.id)!.secret;
    await deliver(projectId, 'live', payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
      200,
    );
    const ready = await health(dev, projectId);
    expect(find(ready, 'live', 'go_live')).toMatchObject({ code: 'go_live_ready', status: 'ok' });
    expect(ready.live.status).toBe('ok');
  });

  it('a deactivated configuration is reported as failing, and refresh checks nothing', async () => {
    const key = fakeKey('sk_test_', 32);
    const { dev, projectId } = await project({ test_secret_key: key });
    await t.http().delete(configPath(projectId)).set(dev.auth).expect(204);
    const body = await refresh(dev, projectId);
    expect(body.config_active).toBe(false);
    expect(body.test.checks[0]).toMatchObject({ check: 'configuration', code: 'config_inactive', status: 'failing' });
    expect(stripe.requests.some((r) => r.headers.authorization === `Bearer ${key}`)).toBe(false);
  });

  it('refresh is rate-limited per developer: 429 with Retry-After', async () => {
    const { dev, projectId } = await project();
    for (let i = 0; i < 4; i++) await t.http().post(configPath(projectId, 'health/refresh')).set(dev.auth).expect(200);
    const res = await t.http().post(configPath(projectId, 'health/refresh')).set(dev.auth).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toEqual({ detail: expect.stringMatching(/Too many requests/) });
    // Another developer is not affected; GET is not limited.
    const other = await project();
    await t.http().post(configPath(other.projectId, 'health/refresh')).set(other.dev.auth).expect(200);
    await t.http().get(configPath(projectId, 'health')).set(dev.auth).expect(200);
  });

  it('a flood of bad signatures costs one upsert per flush and one call to Stripe, not one per delivery', async () => {
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_secret_key: key, test_webhook_secret: secret });
    const counter = t.app.get(WebhookFailureCounter);
    await counter.flush();
    // Every statement the service sends through its DataSource, counted here rather than by the service.
    const query = jest.spyOn(t.app.get(DataSource), 'query');
    const upserts = () =>
      query.mock.calls.filter(([sql]) => /INSERT INTO stripe_webhook_failure_counts/.test(String(sql))).length;
    const flood = 300;
    const payload = sendEvent(stripe, key);
    const bad = Stripe.webhooks.generateTestHeaderString({ payload, secret: fakeKey('whsec_', 32) });
    for (let i = 0; i < flood; i += 30) {
      await Promise.all(Array.from({ length: 30 }, () => deliver(projectId, 'test', payload, bad).expect(400)));
    }
    const deliveries = find(await health(dev, projectId), 'test', 'webhook_deliveries');
    expect(deliveries.details).toMatchObject({ signature_failures_24h: flood });
    // Statements per refusal, not per flush timing: 300 refusals are written by a few flushes (the
    // timer's and the report's), each ONE statement; one statement per refusal would be 300.
    expect(upserts()).toBeGreaterThan(0);
    expect(upserts()).toBeLessThanOrEqual(flood / 50);
    query.mockRestore();
    const { rows } = await t.db.query(
      'SELECT cause, failures FROM stripe_webhook_failure_counts WHERE project_id = $1',
      [projectId],
    );
    expect(rows).toEqual([{ cause: 'secret_mismatch', failures: flood }]);
    // Every copy of the event waited for, or reused, one confirmation.
    const confirmations = stripe.requests.filter((r) => r.headers.authorization === `Bearer ${key}`);
    expect(confirmations.map((r) => r.path)).toEqual([`/v1/events/${JSON.parse(payload).id}`]);
  });

  it('deliveries Stripe did not send blame nothing: reported as unconfirmed, apart', async () => {
    const secret = fakeKey('whsec_', 32);
    const { dev, projectId } = await project({ test_webhook_secret: secret });
    const payload = event();
    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: fakeKey('whsec_', 32) });
    await deliver(projectId, 'test', payload, forged).expect(400);
    const deliveries = find(await health(dev, projectId), 'test', 'webhook_deliveries');
    expect(deliveries).toMatchObject({ code: 'webhook_unconfirmed_refusals', status: 'unknown' });
    expect(deliveries.details).toMatchObject({ signature_failures_24h: 0, unconfirmed_failures_24h: 1 });
  });

  it('every check status and code was reached by a scenario above', () => {
    expect([...seenStatuses].sort()).toEqual([...CHECK_STATUSES].sort());
    expect([...seenCodes].sort()).toEqual(Object.keys(CHECK_CODES).sort());
  });
});
