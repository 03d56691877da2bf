import { randomBytes } from 'node:crypto';
import type { TestApp } from './test-app';

export interface Developer {
  id: string;
  email: string;
  password: string;
  token: string;
  auth: { Authorization: string };
}

let counter = 0;

export function uniqueEmail(): string {
  counter += 1;
  return `dev-${Date.now()}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

/** A Stripe-shaped credential with a random body, e.g. `sk_test_` + 24 letters/digits. */
export function fakeKey(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export async function registerDeveloper(t: TestApp): Promise<Developer> {
  const email = uniqueEmail();
  const password = 'correct-horse-battery';
  const res = await t.http().post('/api/v1/auth/register').send({ email, password, full_name: 'Test Dev' }).expect(201);
  const token = res.body.access_token as string;
  return { id: res.body.id, email, password, token, auth: { Authorization: `Bearer ${token}` } };
}

export async function createProject(t: TestApp, dev: Developer, name = 'My project'): Promise<string> {
  const res = await t.http().post('/api/v1/projects/').set(dev.auth).send({ name }).expect(201);
  return res.body.id as string;
}

export const configPath = (projectId: string, suffix = 'config') =>
  `/api/v1/payments/stripe/projects/${projectId}/${suffix}`;

/** The JSON of a small test-mode Stripe event (a new id each call), as Stripe would deliver it. */
export function testEventPayload(type = 'invoice.paid'): string {
  return JSON.stringify({
    id: `evt_${randomBytes(8).toString('hex')}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: {} },
  });
}

/** Who a request is sent as: a developer, or just the Authorization header of one. */
type Caller = Pick<Developer, 'auth'>;

/**
 * PUT config of `projectId` as `dev`: a supertest request; the caller may set more headers (`.set()`
 * before awaiting it) and states the status it expects.
 */
export function putConfig(t: TestApp, dev: Caller, projectId: string, body: object) {
  return t.http().put(configPath(projectId)).set(dev.auth).send(body);
}

/** A new project of `dev` with `body` stored as its Stripe configuration (the PUT answered 200). */
export async function projectWithConfig(t: TestApp, dev: Developer, body: object, name?: string): Promise<string> {
  const projectId = await createProject(t, dev, name);
  await putConfig(t, dev, projectId, body).expect(200);
  return projectId;
}

/** POST validate-credentials of `projectId` as `dev` (the caller states the status it expects). */
export function validateCredentials(t: TestApp, dev: Caller, projectId: string, body: object) {
  return t.http().post(configPath(projectId, 'validate-credentials')).set(dev.auth).send(body);
}

/** POST webhook-endpoints of `projectId` as `dev`: the service creates the mode's endpoint in Stripe. */
export function setupWebhookEndpoint(t: TestApp, dev: Caller, projectId: string, mode = 'test') {
  return t.http().post(configPath(projectId, 'webhook-endpoints')).set(dev.auth).send({ mode });
}
