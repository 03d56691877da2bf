import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { freePort } from '../src/common/free-port';
import { LIST_PAYLOAD_MAX_BYTES } from '../src/stripe-webhooks/stripe-webhooks.service';
import { configPath, createProject, Developer, fakeKey, registerDeveloper } from './helpers/fixtures';
import { spawnService } from './helpers/service-process';
import { createTestDatabase, startAppWithWebhookSecret, TestApp } from './helpers/test-app';

/** A signed test-mode event whose JSON is about `bytes` long. */
function bigEvent(bytes: number): { id: string; payload: string } {
  const id = `evt_${randomBytes(10).toString('hex')}`;
  const event = {
    id,
    object: 'event',
    type: 'invoice.paid',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: 'in_1', object: 'invoice', description: randomBytes(bytes / 2).toString('hex') } },
  };
  return { id, payload: JSON.stringify(event) };
}

const signed = (payload: string, secret: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret });

describe('Webhook events list: payloads bounded by bytes, one event fetched whole (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let secret: string;

  beforeAll(async () => {
    ({ t, dev, projectId, secret } = await startAppWithWebhookSecret());
  });
  afterAll(() => t?.close());

  it('lists a large event as a summary with payload_truncated, and GET webhook-events/{id} returns it whole', async () => {
    const small = bigEvent(2_000);
    const large = bigEvent(200_000);
    for (const { payload } of [small, large]) {
      await t
        .http()
        .post(`/api/v1/payments/stripe/webhooks/${projectId}/test`)
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', signed(payload, secret))
        .send(payload)
        .expect(200);
    }
    const list = await t.http().get(configPath(projectId, 'webhook-events')).set(dev.auth).expect(200);
    const [first, second] = list.body.items;
    expect(first).toMatchObject({
      event_id: large.id,
      payload_truncated: true,
      payload_size: Buffer.byteLength(large.payload),
      payload: { id: large.id, object: 'event', type: 'invoice.paid', created: expect.any(Number), livemode: false },
    });
    expect(Object.keys(first.payload).sort()).toEqual(['created', 'id', 'livemode', 'object', 'type']);
    expect(second).toMatchObject({ event_id: small.id, payload_truncated: false, payload: JSON.parse(small.payload) });
    expect(Buffer.byteLength(list.text)).toBeLessThan(2 * LIST_PAYLOAD_MAX_BYTES);

    const one = await t
      .http()
      .get(configPath(projectId, `webhook-events/${first.id}`))
      .set(dev.auth)
      .expect(200);
    expect(one.body).toMatchObject({ id: first.id, event_id: large.id, payload_truncated: false });
    expect(one.body.payload).toEqual(JSON.parse(large.payload));
  });

  it("GET one event: 404 for an unknown id or another project's event, 422 for a malformed id, 403 for another developer", async () => {
    const [event] = (await t.http().get(configPath(projectId, 'webhook-events')).set(dev.auth).expect(200)).body.items;
    const otherProject = await createProject(t, dev, 'other');
    await t
      .http()
      .get(configPath(otherProject, `webhook-events/${event.id}`))
      .set(dev.auth)
      .expect(404);
    const unknown = await t
      .http()
      .get(configPath(projectId, 'webhook-events/3fa85f64-5717-4562-b3fc-2c963f66afa6'))
      .set(dev.auth)
      .expect(404);
    expect(unknown.body).toEqual({ detail: 'Webhook event not found' });
    const malformed = await t.http().get(configPath(projectId, 'webhook-events/nope')).set(dev.auth).expect(422);
    expect(malformed.body.detail[0].loc).toEqual(['path', 'webhook_event_id']);
    const stranger = await registerDeveloper(t);
    await t
      .http()
      .get(configPath(projectId, `webhook-events/${event.id}`))
      .set(stranger.auth)
      .expect(403);
  });
});

/** Resident set of a process, from /proc (kB → MB); NaN once it has exited. */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/**
 * The reported crash, replayed against src/main.ts in a child process with the production heap limit
 * (--max-old-space-size=160): 60 signed events of ~0.9 MB each, then GET webhook-events?page_size=100.
 */
describe('60 events of 0.9 MB, then a page of 100: the service (160 MB heap) survives and answers (child process)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database.drop();
  });

  it('answers the list with summaries (under 2 MB), the RSS grows by a few MB at most, and the service stays up', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawnService({
      nodeArgs: ['--max-old-space-size=160'],
      env: { DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: 'warn' },
    });
    child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    const pid = child.pid!;

    const deadline = Date.now() + 90_000;
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${output}`);
      const up = await fetch(`${base}/api/v1/health`).catch(() => undefined);
      if (up?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const json = { 'Content-Type': 'application/json' };
    const register = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: `memory-${Date.now()}@example.com`, password: 'correct-horse-battery' }),
    });
    const token = ((await register.json()) as { access_token: string }).access_token;
    const auth = { ...json, Authorization: `Bearer ${token}` };
    const project = await fetch(`${base}/api/v1/projects/`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'memory' }),
    });
    const projectId = ((await project.json()) as { id: string }).id;
    const secret = fakeKey('whsec_', 32);
    const put = await fetch(`${base}${configPath(projectId)}`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ test_webhook_secret: secret }),
    });
    expect(put.status).toBe(200);

    for (let i = 0; i < 60; i++) {
      const { payload } = bigEvent(900_000);
      const res = await fetch(`${base}/api/v1/payments/stripe/webhooks/${projectId}/test`, {
        method: 'POST',
        headers: { ...json, 'Stripe-Signature': signed(payload, secret) },
        body: payload,
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => {
      const now = rssMb(pid);
      if (now > peak) peak = now;
    }, 5);
    const started = Date.now();
    const list = await fetch(`${base}${configPath(projectId, 'webhook-events')}?page_size=100`, {
      headers: auth,
    }).catch((error: Error) => {
      throw new Error(`the service did not answer (${error.message}); its last output:\n${output.slice(-3000)}`);
    });
    const text = await list.text();
    clearInterval(sampler);
    const after = rssMb(pid);
    const elapsed = Date.now() - started;

    expect(list.status).toBe(200);
    const body = JSON.parse(text) as { total: number; items: { payload_truncated: boolean; payload_size: number }[] };
    expect(body.total).toBe(60);
    expect(body.items).toHaveLength(60);
    expect(body.items.every((item) => item.payload_truncated && item.payload_size > 900_000)).toBe(true);
    console.log(
      `GET webhook-events?page_size=100 over 60 events of 0.9 MB (${(body.items.reduce((s, i) => s + i.payload_size, 0) / 1e6).toFixed(1)} MB stored): ` +
        `${Buffer.byteLength(text)} bytes answered in ${elapsed} ms; child RSS ${before.toFixed(1)} MB before, ` +
        `${peak.toFixed(1)} MB peak during, ${after.toFixed(1)} MB after (lifetime peak ${rssMb(pid, 'VmHWM').toFixed(1)} MB)`,
    );
    expect(Buffer.byteLength(text)).toBeLessThan(2_000_000);
    expect(peak - before).toBeLessThan(16);

    // Each event is still there whole, one at a time.
    const [first] = (JSON.parse(text) as { items: { id: string }[] }).items;
    const one = await fetch(`${base}${configPath(projectId, `webhook-events/${first.id}`)}`, { headers: auth });
    expect(one.status).toBe(200);
    expect(Buffer.byteLength(await one.text())).toBeGreaterThan(900_000);

    expect(child.exitCode).toBeNull();
    expect((await fetch(`${base}/api/v1/auth/me`, { headers: auth })).status).toBe(200);
  }, 240_000);
});
