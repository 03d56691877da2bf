// Shared helpers of the attack scripts (docs/security.md, "Verified against `npm run start:prod`").
// Plain Node (no build, no dependencies): run against a started service, e.g.
//   BASE=http://127.0.0.1:3999 SERVICE_PID=<pid of node dist/main.js> node scripts/attacks/a-floods.mjs
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

export const BASE = process.env.BASE ?? 'http://127.0.0.1:3999';
export const SERVICE_PID = process.env.SERVICE_PID;
export const JSON_TYPE = { 'Content-Type': 'application/json' };

/** One request over its own connection; a failed or reset connection is status 0. */
export function send(method, path, headers = {}, body, { base = BASE, timeoutMs = 60_000, localAddress } = {}) {
  return new Promise((resolve) => {
    const target = new URL(base);
    const started = performance.now();
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        localAddress,
        method,
        path,
        headers: { Connection: 'close', ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - started,
          }),
        );
        res.on('error', (e) => resolve({ status: 0, headers: {}, body: String(e), ms: performance.now() - started }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: String(e), ms: performance.now() - started }));
    req.end(body);
  });
}

/** Stripe's signature scheme: `t=<ts>,v1=<HMAC-SHA256 of "ts.payload" with the webhook secret>`. */
export function sign(payload, secret, ts = Math.floor(Date.now() / 1000)) {
  return `t=${ts},v1=${createHmac('sha256', secret).update(`${ts}.${payload}`).digest('hex')}`;
}

/** `[{},{},...]` of about `bytes` bytes: the body that grows most once parsed. */
export const emptyObjects = (bytes) => `[${Array.from({ length: Math.floor(bytes / 3) }, () => '{}').join(',')}]`;

/** A test-mode Stripe event around `objectJson` (spliced in as it is). */
export function eventText(objectJson, type = 'invoice.paid') {
  const id = `evt_${randomBytes(10).toString('hex')}`;
  const head = `{"id":"${id}","object":"event","type":"${type}","created":${Math.floor(Date.now() / 1000)},"livemode":false,"data":{"object":`;
  return { id, payload: `${head}${objectJson}}}` };
}

export const randomKey = (prefix, length = 32) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
};

export const configPath = (projectId, suffix = 'config') => `/api/v1/payments/stripe/projects/${projectId}/${suffix}`;
export const receiverPath = (projectId, mode = 'test') => `/api/v1/payments/stripe/webhooks/${projectId}/${mode}`;

/** A new developer (registered: its bearer headers) with one project whose test configuration is `config`. */
export async function tenant(name, config = {}, opts = {}) {
  const email = `attack-${name}-${randomBytes(6).toString('hex')}@example.com`;
  // Sign-ups are limited per client address (RATE_LIMIT_REGISTER): each from its own 127.x.y.z.
  const [x, y, z] = randomBytes(3);
  const reg = await send(
    'POST',
    '/api/v1/auth/register',
    JSON_TYPE,
    JSON.stringify({ email, password: 'correct-horse-battery', full_name: name }),
    { ...opts, localAddress: `127.${x}.${y}.${Math.max(z, 10)}` },
  );
  if (reg.status !== 201) throw new Error(`register ${reg.status} ${reg.body}`);
  const auth = { ...JSON_TYPE, Authorization: `Bearer ${JSON.parse(reg.body).access_token}` };
  const project = await send('POST', '/api/v1/projects/', auth, JSON.stringify({ name }), opts);
  if (project.status !== 201) throw new Error(`project ${project.status} ${project.body}`);
  const projectId = JSON.parse(project.body).id;
  const webhookSecret = randomKey('whsec_');
  const put = await send(
    'PUT',
    configPath(projectId),
    auth,
    JSON.stringify({ test_webhook_secret: webhookSecret, ...config }),
    opts,
  );
  if (put.status !== 200) throw new Error(`config ${put.status} ${put.body}`);
  return { auth, projectId, webhookSecret };
}

/** Resident set now and its high-water mark (MB) of the service process, if SERVICE_PID is set. */
export function rss(pid = SERVICE_PID) {
  if (!pid) return { rssMb: null, peakMb: null, up: null };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024), up: true };
  } catch {
    return { rssMb: null, peakMb: null, up: false };
  }
}

export const countBy = (items, key = (x) => x) =>
  items.reduce((acc, item) => ((acc[key(item)] = (acc[key(item)] ?? 0) + 1), acc), {});

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]) : null;
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The service answers its liveness route and its process is still there. */
export async function alive(opts) {
  const health = await send('GET', '/api/v1/health', {}, undefined, opts);
  return health.status === 200 && rss(opts?.pid).up !== false;
}

export function report(name, result) {
  console.log(JSON.stringify({ finding: name, ...result }, null, 2));
}
