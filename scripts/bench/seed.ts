/**
 * Seeds through the service's own HTTP API, as a client would: one developer, N projects, each with
 * all six credentials. Returns the developer's bearer token and the project ids.
 */
import { randomBytes } from 'node:crypto';
import { CREDENTIAL_FIELDS, CREDENTIAL_RULES } from '../../src/stripe/stripe-keys';
import { fakeKey } from '../../test/helpers/fixtures';

/** All six credentials, each of the shape its field accepts (sk_test_..., pk_live_..., whsec_...). */
export function fullConfig(): Record<string, string> {
  return Object.fromEntries(CREDENTIAL_FIELDS.map((field) => [field, fakeKey(CREDENTIAL_RULES[field].prefixes[0])]));
}

async function call(base: string, method: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/** Runs `task(i)` for i < count with at most `inFlight` at a time. */
async function pooled(count: number, inFlight: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

export interface Seeded {
  token: string;
  projectIds: string[];
}

export async function seed(base: string, projects: number, inFlight = 20): Promise<Seeded> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(12).toString('base64url');
  await call(base, 'POST', '/api/v1/auth/register', { email, password, full_name: 'Bench Developer' });
  const { access_token: token } = (await call(base, 'POST', '/api/v1/auth/login', { email, password })) as {
    access_token: string;
  };
  const projectIds: string[] = new Array<string>(projects);
  await pooled(projects, inFlight, async (i) => {
    const { id } = (await call(base, 'POST', '/api/v1/projects', { name: `bench ${i}` }, token)) as { id: string };
    projectIds[i] = id;
  });
  await pooled(projects, inFlight, async (i) => {
    await call(base, 'PUT', `/api/v1/payments/stripe/projects/${projectIds[i]}/config`, fullConfig(), token);
  });
  return { token, projectIds };
}
