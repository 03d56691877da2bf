/**
 * The "tenant flood" case (`BENCH_CASES=tenant-flood`): how much a flood of one developer (A) slows
 * another (B). B reads its configuration in a closed loop (one connection, one request at a time)
 * while A is quiet, then while A sends 64 KiB PUTs on 16 connections (empty objects; then the
 * costliest body the shape checks let through), then while A reads one large stored event on 40
 * connections. A retries at once whatever it is answered (429
 * included), as an attacker would; A's client runs in a worker thread, B's in the main thread, so that
 * B's timings are not delayed by the harness handling A's answers. Printed: B's median and p99 in each
 * phase, and what A got.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Stripe from 'stripe';
import { fullConfig } from './seed';
import { percentileSorted } from './stats';

const API = '/api/v1';
const projectPath = (projectId: string, suffix: string) => `${API}/payments/stripe/projects/${projectId}/${suffix}`;

export interface FloodPhase {
  name: string;
  /** B's GET config, one at a time. */
  bRequests: number;
  bP50Ms: number;
  bP99Ms: number;
  /** B's answers other than 200 (there should be none). */
  bNon200: number;
  /** A's answers by status (`error` for a request that failed without one). */
  aStatuses: Record<string, number>;
}

export interface TenantFloodResult {
  /** Size of the stored event A reads, bytes (the largest the receiver took, up to 1 MiB). */
  eventBytes: number;
  phases: FloodPhase[];
}

interface Account {
  token: string;
  projectId: string;
}

async function call(base: string, method: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

async function account(base: string, label: string): Promise<Account> {
  const email = `bench-${label}-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(12).toString('base64url');
  await call(base, 'POST', `${API}/auth/register`, { email, password, full_name: `Tenant ${label}` });
  const { access_token: token } = (await call(base, 'POST', `${API}/auth/login`, { email, password })) as {
    access_token: string;
  };
  const { id: projectId } = (await call(base, 'POST', `${API}/projects`, { name: `tenant ${label}` }, token)) as {
    id: string;
  };
  await call(base, 'PUT', projectPath(projectId, 'config'), fullConfig(), token);
  return { token, projectId };
}

/**
 * A Stripe event of about `bytes` bytes: a list of many small objects (costly to parse and render),
 * each of 5 values, under the receiver's WEBHOOK_MAX_ELEMENTS (100,000) at 1 MiB.
 */
function largeEvent(bytes: number): string {
  const item = `{"id":"ii_0","description":"${'x'.repeat(40)}"}`;
  const count = Math.max(1, Math.floor(bytes / (item.length + 1)) - 10);
  return JSON.stringify({
    id: `evt_${randomBytes(8).toString('hex')}`,
    object: 'event',
    type: 'invoice.paid',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { object: 'invoice', lines: { data: JSON.parse(`[${Array(count).fill(item).join(',')}]`) } } },
  });
}

/** Stores one large event for A (1 MiB, or the largest the receiver takes); answers its id and size. */
async function storeLargeEvent(
  base: string,
  a: Account,
  webhookSecret: string,
): Promise<{ id: string; bytes: number }> {
  const stripe = new Stripe('sk_test_unused');
  for (let bytes = 1024 * 1024 - 512; bytes >= 16 * 1024; bytes = Math.floor(bytes / 2)) {
    const payload = largeEvent(bytes);
    const res = await fetch(`${base}${API}/payments/stripe/webhooks/${a.projectId}/test`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }),
      },
      body: payload,
    });
    await res.text();
    if (!res.ok) continue;
    const list = (await call(
      base,
      'GET',
      `${projectPath(a.projectId, 'webhook-events')}?page_size=1`,
      undefined,
      a.token,
    )) as {
      items: { id: string }[];
    };
    return { id: list.items[0].id, bytes: Buffer.byteLength(payload) };
  }
  throw new Error('the receiver took no large event');
}

/** `[{},{},...]` of 64 KiB minus a little: what parses into the most objects per byte. */
function emptyObjects(bytes = 64 * 1024 - 16): string {
  return `[${Array(Math.floor(bytes / 3))
    .fill('{}')
    .join(',')}]`;
}

/**
 * 64 KiB that the body's shape checks let through (under BODY_MAX_ELEMENTS values): 499 keys the
 * operation does not know, each with a 120-byte string. Of the bodies tried, the one that costs the
 * service most (its 422 names every key).
 */
function unknownKeys(): string {
  return JSON.stringify(Object.fromEntries(Array.from({ length: 499 }, (_, i) => [`k${i}`, 'x'.repeat(120)])));
}

interface FloodRequest {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The flood's client, run in a worker thread of its own: A's `connections` loops (each one request at
 * a time, retried at once whatever the answer) until the main thread says stop, then every answer's
 * status counted. Out of the thread that times B, so that B's figures hold the service's delay and
 * not that of the harness handling A's answers (a real tenant B does not share A's client).
 */
const FLOOD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { connections, request } = workerData;
const statuses = {};
let running = true;
const loop = async () => {
  while (running) {
    let key;
    try {
      const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
      await res.arrayBuffer();
      key = String(res.status);
    } catch {
      key = 'error';
    }
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
};
const loops = Array.from({ length: connections }, loop);
parentPort.once('message', async () => {
  running = false;
  await Promise.all(loops);
  parentPort.postMessage(statuses);
});
`;

/** `connections` loops of `request` in a worker thread until `stop`, which answers the statuses counted. */
function flood(connections: number, request: FloodRequest) {
  const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { connections, request } });
  return {
    stop: async (): Promise<Record<string, number>> => {
      const statuses = new Promise<Record<string, number>>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('stop');
      const counted = await statuses;
      await worker.terminate();
      return counted;
    },
  };
}

/** B's GET config, one request at a time, for `seconds`. */
async function measureB(base: string, b: Account, seconds: number) {
  const latencies: number[] = [];
  let non200 = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    const res = await fetch(base + projectPath(b.projectId, 'config'), {
      headers: { Authorization: `Bearer ${b.token}` },
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status !== 200) non200 += 1;
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    p50Ms: percentileSorted(sorted, 50),
    p99Ms: percentileSorted(sorted, 99),
    non200,
  };
}

/** Runs the case against a started service (`base`); `seconds` per phase. */
export async function runTenantFlood(base: string, seconds: number): Promise<TenantFloodResult> {
  const a = await account(base, 'a');
  const b = await account(base, 'b');
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  await call(base, 'PUT', projectPath(a.projectId, 'config'), { test_webhook_secret: webhookSecret }, a.token);
  const event = await storeLargeEvent(base, a, webhookSecret);

  const aHeaders = { Authorization: `Bearer ${a.token}` };
  const puts = (body: string) => () =>
    flood(16, {
      url: base + projectPath(a.projectId, 'config'),
      method: 'PUT',
      headers: { ...aHeaders, 'Content-Type': 'application/json' },
      body,
    });
  const floods: [string, (() => ReturnType<typeof flood>) | undefined][] = [
    ['quiet', undefined],
    ['A: 16 × PUT config, 64 KiB of {}', puts(emptyObjects())],
    ['A: 16 × PUT config, 64 KiB, 499 unknown keys', puts(unknownKeys())],
    [
      `A: 40 × GET one ${(event.bytes / 1024).toFixed(0)} KiB event`,
      () => flood(40, { url: base + projectPath(a.projectId, `webhook-events/${event.id}`), headers: aHeaders }),
    ],
  ];
  const phases: FloodPhase[] = [];
  for (const [name, start] of floods) {
    const running = start?.();
    // Let the flood reach its steady state before B is measured.
    if (running) await new Promise((r) => setTimeout(r, 1000));
    const measured = await measureB(base, b, seconds);
    const aStatuses = (await running?.stop()) ?? {};
    phases.push({
      name,
      bRequests: measured.requests,
      bP50Ms: measured.p50Ms,
      bP99Ms: measured.p99Ms,
      bNon200: measured.non200,
      aStatuses,
    });
    console.log(
      `  tenant flood ${name.padEnd(46)} B GET config p50 ${measured.p50Ms.toFixed(2)} ms  p99 ${measured.p99Ms.toFixed(2)} ms` +
        `  (${measured.requests} requests${measured.non200 ? `, ${measured.non200} not 200` : ''})` +
        (running ? `  A: ${JSON.stringify(aStatuses)}` : ''),
    );
  }
  return { eventBytes: event.bytes, phases };
}
