import { Agent, ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import Stripe from 'stripe';
import { DEFAULT_WEBHOOK_BODIES } from '../src/stripe-webhooks/stripe-webhooks.config';

const MAX_CONCURRENT_LARGE_WEBHOOK_BODIES = DEFAULT_WEBHOOK_BODIES.largeSlots;
import { createProject, Developer, fakeKey, putConfig, registerDeveloper, testEventPayload } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

const ONE_MB = 1024 * 1024 - 1024;

interface Pending {
  req: ClientRequest;
  response: Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>;
}

/**
 * Starts a POST announcing `contentLength` bytes but sends only the first `sent` of them: the request
 * stays open, its body unfinished, until `req.end()` or `req.destroy()`.
 */
function startUpload(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  contentLength: number,
  sent: Buffer,
): Pending {
  const url = new URL(baseUrl);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path,
    agent: new Agent({ keepAlive: false }),
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(contentLength), ...headers },
  });
  const response = new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      req.on('error', reject);
    },
  );
  response.catch(() => undefined);
  req.write(sent);
  return { req, response };
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
  ]);

describe('Webhook receiver: project checked before the body is read; large bodies bounded (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let noSecretProject: string;
  let secret: string;
  const open: Pending[] = [];

  beforeAll(async () => {
    // Every upload comes from one address here: that address may hold every slot.
    t = await createTestApp({
      listen: true,
      env: { WEBHOOK_LARGE_BODY_SLOTS_PER_CLIENT: String(MAX_CONCURRENT_LARGE_WEBHOOK_BODIES) },
    });
    dev = await registerDeveloper(t);
    projectId = await createProject(t, dev);
    noSecretProject = await createProject(t, dev, 'no secret');
    secret = fakeKey('whsec_', 32);
    await putConfig(t, dev, projectId, { test_webhook_secret: secret }).expect(200);
  });
  afterAll(async () => {
    for (const p of open) p.req.destroy();
    await t?.close();
  });

  it.each([
    [
      'an unknown project',
      () => `/api/v1/payments/stripe/webhooks/${'3fa85f64-5717-4562-b3fc-2c963f66afa6'}/test`,
      404,
    ],
    ['a project with no webhook secret', () => `/api/v1/payments/stripe/webhooks/${noSecretProject}/test`, 400],
    ['an unknown mode', () => `/api/v1/payments/stripe/webhooks/${projectId}/staging`, 400],
    ['a malformed project id', () => '/api/v1/payments/stripe/webhooks/not-a-uuid/test', 422],
  ])('%s is answered before the 1 MiB body is sent (not after buffering it)', async (_name, path, status) => {
    const upload = startUpload(t.url, path(), { 'Stripe-Signature': 't=1,v1=00' }, ONE_MB, Buffer.from('{"id":'));
    open.push(upload);
    const res = await within(upload.response, 5_000, 'the receiver');
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body)).toHaveProperty('detail');
    upload.req.destroy();
  });

  it(`with ${MAX_CONCURRENT_LARGE_WEBHOOK_BODIES} large bodies in flight, another large one is a 503 with Retry-After; small deliveries and authenticated calls go on`, async () => {
    const path = `/api/v1/payments/stripe/webhooks/${projectId}/test`;
    const slow: Pending[] = [];
    for (let i = 0; i < MAX_CONCURRENT_LARGE_WEBHOOK_BODIES; i++) {
      const upload = startUpload(t.url, path, { 'Stripe-Signature': 't=1,v1=00' }, ONE_MB, Buffer.from('{"id":'));
      slow.push(upload);
      open.push(upload);
    }
    // Each of them has passed the project check and is waiting for the rest of its body.
    await new Promise((r) => setTimeout(r, 1_500));

    const extra = startUpload(t.url, path, { 'Stripe-Signature': 't=1,v1=00' }, ONE_MB, Buffer.from('{"id":'));
    open.push(extra);
    const refused = await within(extra.response, 5_000, 'the receiver with every slot taken');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(refused.body)).toEqual({ detail: expect.stringMatching(/Too many large webhook deliveries/) });
    extra.req.destroy();

    // A small, correctly signed delivery needs no slot; authenticated traffic is unaffected.
    const event = testEventPayload();
    const delivered = await within(
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload: event, secret }),
        },
        body: event,
      }),
      5_000,
      'a small delivery',
    );
    expect(delivered.status).toBe(200);
    const me = await within(fetch(`${t.url}/api/v1/auth/me`, { headers: dev.auth }), 5_000, 'GET /auth/me');
    expect(me.status).toBe(200);

    // The slow bodies end (here: their clients give up): the slots are free again.
    for (const upload of slow) upload.req.destroy();
    await new Promise((r) => setTimeout(r, 500));
    const again = startUpload(t.url, path, { 'Stripe-Signature': 't=1,v1=00' }, 200_000, Buffer.alloc(200_000, 32));
    open.push(again);
    const answered = await within(again.response, 5_000, 'a large delivery after the flood');
    expect(answered.status).toBe(400);
    expect(JSON.parse(answered.body).detail).not.toMatch(/Too many/);
  });
});
