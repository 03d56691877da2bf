import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Response } from 'supertest';
import { WebhookDeliveryConfirmer } from '../src/stripe-webhooks/webhook-delivery-confirmer';
import { FakeStripe } from './helpers/fake-stripe';
import { configPath, fakeKey, setupWebhookEndpoint, uniqueEmail, validateCredentials } from './helpers/fixtures';
import { LogCapture } from './helpers/log-capture';
import { createTestApp, TestApp } from './helpers/test-app';

/**
 * Runs one representative scenario through every endpoint at LOG_LEVEL=debug, with secrets unique to
 * this run (canaries), and captures every log line, response body and response header. None of them
 * may contain a canary; masked forms (`sk_test_...aBcD`) are fine.
 */
describe('Secrets never leak (e2e, logs at debug level)', () => {
  const run = randomBytes(4).toString('hex');
  const jwtSecret = `jwt-canary-${run}-${randomBytes(16).toString('hex')}`;
  const encryptionKey = randomBytes(32).toString('base64');
  const password = `pw-canary-${run}-${randomBytes(8).toString('hex')}`;
  const stripeKeys = {
    test_secret_key: fakeKey('sk_test_', 32),
    test_publishable_key: fakeKey('pk_test_', 32),
    test_webhook_secret: fakeKey('whsec_', 32),
    live_secret_key: fakeKey('rk_live_', 32),
    live_publishable_key: fakeKey('pk_live_', 32),
    live_webhook_secret: fakeKey('whsec_', 32),
  };
  const validKey = fakeKey('sk_test_', 32);
  const rejectedKey = fakeKey('sk_test_', 32);
  const misplacedKey = fakeKey('sk_live_', 32);
  const cookieSecret = `cookie-canary-${run}`;
  /** The signing secret Stripe returns when the service sets up the project's webhook endpoint. */
  let endpointSecret = '';
  let healthReport: { test: { checks: { code: string; message: string }[] } } | undefined;

  const logs = new LogCapture();
  const responses: Response[] = [];
  const issuedTokens: string[] = [];
  let t: TestApp;
  let stripe: FakeStripe;

  const record = (res: Response): Response => {
    responses.push(res);
    return res;
  };

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    stripe.validKeys.add(validKey);
    stripe.validKeys.add(stripeKeys.test_secret_key);
    t = await createTestApp({
      logDestination: logs,
      env: {
        LOG_LEVEL: 'debug',
        JWT_SECRET: jwtSecret,
        ENCRYPTION_KEYS: `canary:${encryptionKey}`,
        STRIPE_API_BASE: stripe.url,
        // Background re-validation on: its checks and log lines are part of the scenario.
        HEALTH_CHECK_INTERVAL: '1s',
      },
    });

    const email = uniqueEmail();
    const registered = record(
      await t.http().post('/api/v1/auth/register').send({ email, password, full_name: 'Canary' }).expect(201),
    );
    issuedTokens.push(registered.body.access_token);
    record(await t.http().post('/api/v1/auth/register').send({ email, password }).expect(409));
    record(
      await t
        .http()
        .post('/api/v1/auth/login')
        .send({ email, password: `${password}-wrong` })
        .expect(401),
    );
    const login = record(
      await t
        .http()
        .post('/api/v1/auth/login')
        .type('form')
        .send({ username: email, password })
        .set('Cookie', `session=${cookieSecret}`)
        .expect(200),
    );
    const token = login.body.access_token as string;
    issuedTokens.push(token);
    const auth = { Authorization: `Bearer ${token}` };
    record(await t.http().get('/api/v1/auth/me').set(auth).expect(200));
    record(await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}x`).expect(401));

    const project = record(await t.http().post('/api/v1/projects/').set(auth).send({ name: 'Canary' }).expect(201));
    const projectId = project.body.id as string;
    record(await t.http().get('/api/v1/projects/').set(auth).expect(200));
    record(await t.http().get(`/api/v1/projects/${projectId}`).set(auth).expect(200));

    record(await t.http().get(configPath(projectId)).set(auth).expect(200));
    record(await t.http().put(configPath(projectId)).set(auth).send(stripeKeys).expect(200));
    record(await t.http().get(configPath(projectId)).set(auth).expect(200));
    // Bad input that carries secrets: a key of the wrong mode, a key in the query string, broken JSON.
    record(await t.http().put(configPath(projectId)).set(auth).send({ test_secret_key: misplacedKey }).expect(422));
    record(
      await t
        .http()
        .get(`${configPath(projectId)}?key=${misplacedKey}`)
        .set(auth)
        .expect(200),
    );
    record(
      await t
        .http()
        .put(configPath(projectId))
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(`{"test_secret_key": "${misplacedKey}", "password": "${password}"`)
        .expect(422),
    );
    record(await t.http().get(configPath(projectId, 'webhook-urls')).set(auth).expect(200));
    record(await validateCredentials(t, { auth }, projectId, { secret_key: validKey }).expect(200));
    record(await validateCredentials(t, { auth }, projectId, { secret_key: rejectedKey }).expect(200));
    // Webhook setup in one call: Stripe hands back a signing secret, which must stay as secret as the rest.
    const endpoint = record(await setupWebhookEndpoint(t, { auth }, projectId).expect(201));
    endpointSecret = stripe.webhookEndpoints.get(endpoint.body.id)!.secret;
    const event = JSON.stringify({
      id: `evt_${run}`,
      object: 'event',
      type: 'invoice.paid',
      created: 1,
      livemode: false,
    });
    // Sent by Stripe (the account of the stored test key): its refusal is confirmed and blames the secret.
    stripe.events.set(`evt_${run}`, {
      event: JSON.parse(event) as Record<string, unknown>,
      apiKey: stripeKeys.test_secret_key,
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: event, secret: endpointSecret });
    const webhookPath = `/api/v1/payments/stripe/webhooks/${projectId}/test`;
    const post = (sig: string) =>
      t.http().post(webhookPath).set('Stripe-Signature', sig).set('Content-Type', 'application/json').send(event);
    record(await post(signature).expect(200));
    record(await post(signature.replace(/v1=\w+/, `v1=${'0'.repeat(64)}`)).expect(400));
    await t.app.get(WebhookDeliveryConfirmer).idle();
    record(await t.http().get(configPath(projectId, 'webhook-events')).set(auth).expect(200));
    // Integration health: the refused delivery above is reported (naming the field and masked secret),
    // refresh checks both stored secret keys, and the scheduler checks them again on its own.
    record(await t.http().get(configPath(projectId, 'health')).set(auth).expect(200));
    record(await t.http().post(configPath(projectId, 'health/refresh')).set(auth).expect(200));
    const scheduledBy = Date.now() + 15_000;
    while (logs.lines.filter((line) => line.includes('Checked project')).length < 4 && Date.now() < scheduledBy) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    healthReport = record(await t.http().get(configPath(projectId, 'health')).set(auth).expect(200)).body;
    record(await t.http().get(configPath(projectId, 'audit-log')).set(auth).expect(200));
    record(await t.http().delete(configPath(projectId)).set(auth).expect(204));
    record(await t.http().get('/api/v1/health').expect(200));
    record(await t.http().get('/api/v1/health/database').expect(200));
  });

  afterAll(async () => {
    await t?.close();
    await stripe?.stop();
  });

  /** Every secret of the run, and for Stripe keys the part the masked form must hide. */
  function canaries(): Record<string, string> {
    const out: Record<string, string> = {
      jwtSecret,
      encryptionKey,
      encryptionKeyHex: Buffer.from(encryptionKey, 'base64').toString('hex'),
      password,
      cookieSecret,
    };
    for (const [name, key] of Object.entries({ ...stripeKeys, validKey, rejectedKey, misplacedKey, endpointSecret })) {
      out[name] = key;
      // The masked form keeps the prefix and the last 4 characters: the rest must never show.
      out[`${name} (hidden part)`] = key.slice(0, -4).replace(/^(?:(?:sk|rk|pk)_(?:test|live)_|whsec_)/, '');
    }
    return out;
  }

  it('the scenario really ran: Stripe saw the keys, and the logs hold one JSON line per request', () => {
    expect(new Set(stripe.requests.map((r) => r.headers.authorization))).toEqual(
      new Set([
        `Bearer ${validKey}`,
        `Bearer ${rejectedKey}`,
        `Bearer ${stripeKeys.test_secret_key}`,
        // Checked by health/refresh and the background checks (Stripe rejects it: not a known key).
        `Bearer ${stripeKeys.live_secret_key}`,
      ]),
    );
    // The background checks ran and logged (refresh logs one line per mode; the scheduler the others).
    expect(logs.lines.filter((line) => line.includes('Checked project')).length).toBeGreaterThanOrEqual(4);
    // The health report names the refused delivery's cause with the field and the masked secret only.
    const deliveries = healthReport!.test.checks.find((c) => c.code === 'webhook_secret_mismatch');
    expect(deliveries?.message).toContain(`test_webhook_secret (whsec_...${endpointSecret.slice(-4)})`);
    expect(endpointSecret).toMatch(/^whsec_/);
    const entries = logs.entries();
    const completed = entries.filter((e) => e.msg === 'request completed' || e.msg === 'request errored');
    expect(completed.length).toBeGreaterThanOrEqual(responses.length - 1);
    // Debug level is on: Nest's own debug/info lines are captured too.
    expect(entries.some((e) => e.level === 20 || e.context === 'RoutesResolver')).toBe(true);
  });

  it('no log line, response body or response header contains a canary', () => {
    const logText = logs.text();
    const responseText = responses.map((r) => `${JSON.stringify(r.headers)}\n${r.text}`).join('\n');
    expect(logText.length).toBeGreaterThan(1000);
    for (const [name, value] of Object.entries(canaries())) {
      expect({ name, inLogs: logText.includes(value) }).toEqual({ name, inLogs: false });
      expect({ name, inResponses: responseText.includes(value) }).toEqual({ name, inResponses: false });
    }
    // Masked forms are what the client sees.
    expect(responseText).toContain(`sk_test_...${stripeKeys.test_secret_key.slice(-4)}`);
  });

  it('bearer tokens and cookies never reach the logs (authorization and cookie are redacted)', () => {
    const logText = logs.text();
    for (const token of issuedTokens) expect(logText.includes(token)).toBe(false);
    expect(logText).not.toContain('Bearer ');
  });

  it('every response carries X-Request-Id, and the log lines of that request carry the same id', () => {
    const entries = logs.entries();
    for (const res of responses) {
      const id = res.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const lines = entries.filter((e) => (e.req as { id?: string } | undefined)?.id === id);
      // Body-parser errors are answered before the request logger runs; all other requests are logged.
      if (res.status !== 422 || res.body?.detail?.[0]?.type !== 'json_invalid') expect(lines.length).toBeGreaterThan(0);
    }
    expect(new Set(responses.map((r) => r.headers['x-request-id'])).size).toBe(responses.length);
  });

  it('keeps a caller-supplied X-Request-Id, and replaces one that is not plain', async () => {
    const kept = await t.http().get('/api/v1/health').set('X-Request-Id', `trace-${run}`).expect(200);
    expect(kept.headers['x-request-id']).toBe(`trace-${run}`);
    const replaced = await t.http().get('/api/v1/health').set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
