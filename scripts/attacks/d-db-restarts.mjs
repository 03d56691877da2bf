// Finding d: PostgreSQL restarted under load. Two tenants each run a reader (GET config) and a writer
// (signed webhook deliveries) while RESTART_CMD (e.g. `pg_ctl restart -w -m fast -D <data dir>`) runs
// RESTARTS times (default 3), 5 s apart (a longer outage: `pg_ctl stop -m fast && sleep 12 && pg_ctl start`). The process must stay up; every request is answered 200 or
// 503 with Retry-After; every delivery answered 200 is in the database afterwards (DATABASE_URL).
// Never point RESTART_CMD at a server other work uses.
import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  alive,
  configPath,
  countBy,
  eventText,
  JSON_TYPE,
  receiverPath,
  report,
  rss,
  send,
  sign,
  sleep,
  tenant,
} from './lib.mjs';

const restarts = Number(process.env.RESTARTS ?? 3);
if (!process.env.RESTART_CMD || !process.env.DATABASE_URL) throw new Error('RESTART_CMD and DATABASE_URL are required');
const tenants = [await tenant('restart-1'), await tenant('restart-2')];

const outcomes = [];
const acknowledged = [];
let running = true;
const record = (kind, r) =>
  outcomes.push({
    kind,
    status: r.status,
    at: Date.now(),
    ms: r.ms,
    retryAfter: r.headers['retry-after'] ?? null,
    detail: r.status >= 500 ? r.body.slice(0, 120) : undefined,
  });
const loops = tenants.flatMap((t) => [
  (async () => {
    while (running) {
      record('read', await send('GET', configPath(t.projectId), t.auth, undefined, { timeoutMs: 20_000 }));
      await sleep(20);
    }
  })(),
  (async () => {
    while (running) {
      const { id, payload } = eventText(JSON.stringify({ object: 'invoice', id: `in_${Date.now()}` }));
      const r = await send(
        'POST',
        receiverPath(t.projectId),
        { ...JSON_TYPE, 'Stripe-Signature': sign(payload, t.webhookSecret) },
        payload,
        { timeoutMs: 20_000 },
      );
      record('write', r);
      if (r.status === 200) acknowledged.push(id);
      await sleep(20);
    }
  })(),
]);

const restartTimes = [];
await sleep(3000);
for (let i = 0; i < restarts; i++) {
  const at = Date.now();
  // Asynchronously: the reader and writer loops keep sending while the server restarts.
  await promisify(exec)(process.env.RESTART_CMD);
  restartTimes.push({ at, tookMs: Date.now() - at });
  await sleep(5000);
}
await sleep(5000);
running = false;
await Promise.all(loops);

// Recovery: from each restart, how long until the next 200 of each kind.
const recovery = restartTimes.map(({ at, tookMs }) => ({
  restartTookMs: tookMs,
  firstReadOkAfterMs:
    (outcomes.find((o) => o.kind === 'read' && o.status === 200 && o.at > at + tookMs)?.at ?? NaN) - at,
  firstWriteOkAfterMs:
    (outcomes.find((o) => o.kind === 'write' && o.status === 200 && o.at > at + tookMs)?.at ?? NaN) - at,
}));
const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
await db.connect();
const { rows } = await db.query('SELECT count(*)::int AS n FROM stripe_webhook_events WHERE event_id = ANY($1)', [
  acknowledged,
]);
await db.end();

report('d: database restarts', {
  restarts: recovery,
  reads: countBy(
    outcomes.filter((o) => o.kind === 'read'),
    (o) => o.status,
  ),
  writes: countBy(
    outcomes.filter((o) => o.kind === 'write'),
    (o) => o.status,
  ),
  slowestAnswerMs: Math.round(Math.max(...outcomes.map((o) => o.ms))),
  status503WithoutRetryAfter: outcomes.filter((o) => o.status === 503 && !/^\d+$/.test(String(o.retryAfter))).length,
  other5xx: [
    ...new Set(outcomes.filter((o) => o.status >= 500 && o.status !== 503).map((o) => `${o.status} ${o.detail}`)),
  ],
  acknowledgedWrites: acknowledged.length,
  acknowledgedWritesStored: rows[0].n,
  up: await alive(),
  ...rss(),
});
