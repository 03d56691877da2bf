/**
 * `npm run bench`: latency, throughput and memory of GET and PUT config.
 *
 * By default it boots the service in this process (a fresh embedded PostgreSQL on a free port under
 * .data/, deleted afterwards; or DATABASE_URL when set) on 127.0.0.1 with a random port. Set BENCH_URL
 * to measure an instance that is already running instead (memory figures are then not available).
 *
 *   BENCH_REQUESTS   requests per operation (default 2000)
 *   BENCH_CONCURRENCY  requests in flight at once (default 20)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.setup';
import { loadConfig } from '../src/config/app-config';
import { startThrowawayEmbeddedPostgres } from '../src/database/embedded-postgres';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

function key(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(24), (b) => alphabet[b % alphabet.length]).join('');
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, send: (i: number) => Promise<Response>): Promise<void> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const t0 = performance.now();
      const res = await send(i);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `${name.padEnd(11)} ${String(REQUESTS).padStart(6)} req  ${(REQUESTS / seconds).toFixed(0).padStart(6)} req/s  ` +
      `p50 ${f(percentile(latencies, 50))}  p95 ${f(percentile(latencies, 95))}  p99 ${f(percentile(latencies, 99))}  ` +
      `max ${f(latencies[latencies.length - 1])}  statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
}

async function main(): Promise<void> {
  let base = process.env.BENCH_URL?.replace(/\/+$/, '');
  const cleanups: Array<() => Promise<void>> = [];
  const inProcess = !base;
  if (!base) {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startThrowawayEmbeddedPostgres({
        baseDir: join(process.cwd(), '.data'),
        prefix: 'bench-',
        database: 'bench',
      });
      databaseUrl = pg.url;
      cleanups.push(() => pg.stop());
    }
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: mkdtempSync(join(process.cwd(), '.data', 'bench-secrets-')),
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ENCRYPTION_KEYS: `b1:${randomBytes(32).toString('base64')}`,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    });
    cleanups.unshift(async () => rmSync(config.dataDir, { recursive: true, force: true }));
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    cleanups.unshift(() => app.close());
  }

  const json = { 'Content-Type': 'application/json' };
  const registered = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'correct-horse-battery' }),
  });
  const token = ((await registered.json()) as { access_token: string }).access_token;
  const auth = { ...json, Authorization: `Bearer ${token}` };
  const project = await fetch(`${base}/api/v1/projects/`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'bench' }),
  });
  const projectId = ((await project.json()) as { id: string }).id;
  const configUrl = `${base}/api/v1/payments/stripe/projects/${projectId}/config`;
  await fetch(configUrl, { method: 'PUT', headers: auth, body: JSON.stringify({ test_secret_key: key('sk_test_') }) });

  console.log(`Target ${base} — ${REQUESTS} requests per operation, ${CONCURRENCY} concurrent`);
  const before = process.memoryUsage();
  await measure('GET config', () => fetch(configUrl, { headers: auth }));
  await measure('PUT config', () =>
    fetch(configUrl, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ test_secret_key: key('sk_test_'), test_publishable_key: key('pk_test_') }),
    }),
  );
  const after = process.memoryUsage();
  if (inProcess) {
    console.log(
      `Memory (service and load generator in one process): rss ${mb(before.rss)} → ${mb(after.rss)}, ` +
        `heap used ${mb(before.heapUsed)} → ${mb(after.heapUsed)}`,
    );
  }
  for (const cleanup of cleanups) await cleanup();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
