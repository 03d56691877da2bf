/**
 * The payments ledger's figures (`BENCH_CASES=ledger`, also part of the full run), on one service
 * instance (no floor: each figure is the service against itself):
 *
 * - CPU per signed delivery whose event the ledger projects (`customer.subscription.created`, a new
 *   subscription row each time) against the same-size delivery of an event type it ignores
 *   (`customer.subscription.trial_will_end`, same object), alternating, medians over the rounds;
 * - p99 of a project's lists (subscriptions, payments) at page 1 and at the last page of 10,000 rows,
 *   against a project with 10 rows, alternating, medians over the rounds;
 * - p99 of another tenant's list of 10 rows while one project receives a flood of signed deliveries
 *   (as many as CONNECTIONS connections send), against the same list without it (a figure, no target).
 */
import type autocannon from 'autocannon';
import { Client } from 'pg';
import { buildEvents, stripeSignature, type StripeEvent } from '../stripe-local/events';
import { fakeKey } from '../../test/helpers/fixtures';
import { runRequests, type LoadTarget, type RunSample } from './load';
import type { BenchOptions } from './options';
import type { Child } from './processes';
import { median, ratio, target, type Target } from './stats';

/** Projects that receive the deliveries (a random one per request), each with a known test signing secret. */
const DELIVERY_PROJECTS = 20;
/** The size the issue names: a project with 10,000 subscriptions (and 10,000 payments). */
const BIG_ROWS = 10_000;
const SMALL_ROWS = 10;
const PAGE_SIZE = 50;
/** Deliveries and list reads use fewer connections than the floor cases: each delivery's body is built and signed in the harness. */
const CONNECTIONS = 10;

export interface LedgerSide {
  runs: RunSample[];
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerResponse: number;
  non2xx: number;
  errors: number;
}

export interface LedgerReport {
  connections: number;
  deliveries: { ignored: LedgerSide; projected: LedgerSide; cpuRatio: number; payloadBytes: number };
  lists: Record<string, LedgerSide>;
  listRatios: Record<string, number>;
  /** p99 of the 10-row list during the flood / without it. */
  floodP99Ratio: number;
  targets: Target[];
}

function summarise(runs: RunSample[]): LedgerSide {
  return {
    runs,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuUsPerResponse: median(runs.map((r) => r.cpuUsPerResponse)),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
  };
}

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${(await res.text()).slice(0, 300)}`);
}

/**
 * One delivery's body for `type`: a fresh `customer.subscription.created` event of the local Stripe
 * (fresh event and subscription ids), relabelled; `padTo` pads the subscription's metadata so both
 * kinds are exactly the same number of bytes.
 */
function deliveryBody(type: string, padTo = 0): string {
  const [event] = buildEvents('customer.subscription.created') as StripeEvent[];
  event.type = type;
  const payload = JSON.stringify(event);
  if (padTo <= payload.length) return payload;
  (event.data.object as { metadata: Record<string, string> }).metadata = { pad: '' };
  const bare = JSON.stringify(event).length;
  (event.data.object as { metadata: Record<string, string> }).metadata = { pad: 'x'.repeat(padTo - bare) };
  return JSON.stringify(event);
}

const PROJECTED = 'customer.subscription.created';
const FLOODED = `subscriptions: ${SMALL_ROWS} rows, during a flood`;
const IGNORED = 'customer.subscription.trial_will_end';

function deliveryRequest(type: string, size: number, projects: { id: string; secret: string }[]): autocannon.Request {
  return {
    method: 'POST',
    setupRequest: (req) => {
      const project = projects[Math.floor(Math.random() * projects.length)];
      const body = deliveryBody(type, size);
      return {
        ...req,
        path: `/api/v1/payments/stripe/webhooks/${project.id}/test`,
        headers: {
          ...req.headers,
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': stripeSignature(body, project.secret),
        },
        body,
      };
    },
  };
}

/** 10,000 (or 10) subscriptions and as many payments of one project in test mode, written by SQL. */
async function fillLedger(db: Client, projectId: string, rows: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await db.query(
    `INSERT INTO ledger_subscriptions (project_id, mode, stripe_subscription_id, customer_id, status, price_nickname,
       quantity, current_period_start, current_period_end, stripe_created_at, status_version, status_event_id,
       details_version, details_event_id)
     SELECT $1, 'test', 'sub_bench' || i, 'cus_bench' || i, CASE WHEN i % 10 = 0 THEN 'canceled' ELSE 'active' END,
            'Pro monthly', 1, to_timestamp($2 - i * 60), to_timestamp($2 - i * 60 + 2592000), to_timestamp($2 - i * 60),
            0, 'evt_bench' || i, 0, 'evt_bench' || i
       FROM generate_series(1, $3) AS i`,
    [projectId, now, rows],
  );
  await db.query(
    `INSERT INTO ledger_payments (project_id, mode, payment_intent_id, invoice_id, stripe_subscription_id, status,
       amount_cents, currency, description, stripe_created_at, status_version, status_event_id)
     SELECT $1, 'test', 'pi_bench' || i, 'in_bench' || i, 'sub_bench' || i, 'succeeded', 2000, 'usd',
            'Subscription creation', to_timestamp($2 - i * 60), 0, 'evt_bench_pay' || i
       FROM generate_series(1, $3) AS i`,
    [projectId, now, rows],
  );
}

export async function runLedgerBench(
  service: Child,
  databaseUrl: string,
  auth: { token: string; projectIds: string[] },
  opts: BenchOptions,
): Promise<LedgerReport> {
  const load: LoadTarget = { urls: [service.url], pids: [service.pid] };
  const [bigProject, smallProject, ...rest] = auth.projectIds;
  if (!bigProject || !smallProject || rest.length === 0) throw new Error('the ledger case needs at least 3 projects');

  // Deliveries: a known test signing secret on some projects (the seed stored random ones).
  const projects = rest.slice(0, DELIVERY_PROJECTS).map((id) => ({ id, secret: fakeKey('whsec_') }));
  for (const p of projects)
    await call(service.url, auth.token, 'PUT', `/api/v1/payments/stripe/projects/${p.id}/config`, {
      test_webhook_secret: p.secret,
    });
  const size = Math.max(deliveryBody(PROJECTED).length, deliveryBody(IGNORED).length) + 16;

  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await fillLedger(db, bigProject, BIG_ROWS);
    await fillLedger(db, smallProject, SMALL_ROWS);
    // What autovacuum does after a bulk load; the ledger's rows otherwise arrive one delivery at a time.
    await db.query('VACUUM ANALYZE ledger_subscriptions');
    await db.query('VACUUM ANALYZE ledger_payments');
  } finally {
    await db.end();
  }
  const lastPage = Math.ceil(BIG_ROWS / PAGE_SIZE);
  const base = '/api/v1/payments/stripe/projects/';
  const lists: Record<string, string> = {};
  for (const list of ['subscriptions', 'payments']) {
    lists[`${list}: ${SMALL_ROWS} rows`] = `${base}${smallProject}/${list}?page_size=${PAGE_SIZE}`;
    lists[`${list}: page 1 of ${BIG_ROWS}`] = `${base}${bigProject}/${list}?page_size=${PAGE_SIZE}`;
    lists[`${list}: page ${lastPage} of ${BIG_ROWS}`] =
      `${base}${bigProject}/${list}?page=${lastPage}&page_size=${PAGE_SIZE}`;
  }

  const samples = new Map<string, RunSample[]>();
  const measure = async (key: string, request: autocannon.Request) => {
    await runRequests(load, request, CONNECTIONS, opts.warmupSeconds, auth.token);
    const sample = await runRequests(load, request, CONNECTIONS, opts.durationSeconds, auth.token);
    samples.set(key, [...(samples.get(key) ?? []), sample]);
    const flag =
      sample.non2xx || sample.errors || sample.timeouts
        ? `  !! non-2xx ${sample.non2xx}, errors ${sample.errors}, timeouts ${sample.timeouts}`
        : '';
    console.log(
      `  ${key.padEnd(44)} ${sample.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${sample.p50Ms.toFixed(2)} ms  ` +
        `p99 ${sample.p99Ms.toFixed(2)} ms  cpu ${sample.cpuUsPerResponse.toFixed(0)} µs/response${flag}`,
    );
  };
  console.log(
    `Ledger: ${opts.rounds} round(s), ${CONNECTIONS} connections, ${opts.warmupSeconds} s warm-up + ${opts.durationSeconds} s each; ` +
      `deliveries of ${size} bytes to ${projects.length} projects; lists of ${BIG_ROWS} and ${SMALL_ROWS} rows, page_size ${PAGE_SIZE}`,
  );
  for (let round = 1; round <= opts.rounds; round++) {
    console.log(` round ${round}`);
    await measure(`delivery, ignored (${IGNORED})`, deliveryRequest(IGNORED, size, projects));
    await measure(`delivery, projected (${PROJECTED})`, deliveryRequest(PROJECTED, size, projects));
    for (const [key, path] of Object.entries(lists))
      await measure(key, { method: 'GET', setupRequest: (req) => ({ ...req, path }) });
    // Another tenant's deliveries, flooding one project for as long as the list is measured (warm-up included).
    const quiet = lists[`subscriptions: ${SMALL_ROWS} rows`];
    const flood = runRequests(
      load,
      deliveryRequest(PROJECTED, size, projects.slice(0, 1)),
      CONNECTIONS,
      opts.warmupSeconds + opts.durationSeconds,
      auth.token,
    );
    await measure(FLOODED, { method: 'GET', setupRequest: (req) => ({ ...req, path: quiet }) });
    const flooded = await flood;
    console.log(
      `    (the flood meanwhile: ${flooded.reqPerSec.toFixed(0)} deliveries/s, non-2xx ${flooded.non2xx}; cpu above is both together)`,
    );
  }

  const side = (key: string) => summarise(samples.get(key) ?? []);
  const ignored = side(`delivery, ignored (${IGNORED})`);
  const projected = side(`delivery, projected (${PROJECTED})`);
  const listSides = Object.fromEntries([...Object.keys(lists), FLOODED].map((key) => [key, side(key)]));
  const floodP99Ratio = ratio(listSides[FLOODED].p99Ms, listSides[`subscriptions: ${SMALL_ROWS} rows`].p99Ms);
  const listRatios: Record<string, number> = {};
  const targets: Target[] = [];
  const trusted = (...s: LedgerSide[]) => s.every((x) => x.non2xx === 0 && x.errors === 0);
  const cpuRatio = ratio(projected.cpuUsPerResponse, ignored.cpuUsPerResponse);
  targets.push(
    target(
      'projected delivery CPU',
      trusted(ignored, projected) ? cpuRatio : undefined,
      '<=',
      1.5,
      '× ignored',
      '≤ 1.50 × ignored',
    ),
  );
  for (const list of ['subscriptions', 'payments']) {
    const small = listSides[`${list}: ${SMALL_ROWS} rows`];
    for (const page of [1, lastPage]) {
      const big = listSides[`${list}: page ${page} of ${BIG_ROWS}`];
      const value = ratio(big.p99Ms, small.p99Ms);
      listRatios[`${list} page ${page}`] = value;
      targets.push(
        target(
          `${list} p99, page ${page} of ${BIG_ROWS}`,
          trusted(small, big) ? value : undefined,
          '<=',
          2,
          `× ${SMALL_ROWS} rows`,
          `≤ 2.00 × ${SMALL_ROWS} rows`,
        ),
      );
    }
  }

  console.log('');
  console.log(`${`ledger (median of ${opts.rounds})`.padEnd(44)}    r/s    p50 ms   p99 ms   cpu µs`);
  for (const [key, s] of [
    [`delivery, ignored`, ignored],
    [`delivery, projected`, projected],
    ...Object.entries(listSides),
  ] as [string, LedgerSide][]) {
    console.log(
      `${key.padEnd(44)} ${s.reqPerSec.toFixed(0).padStart(6)} ${s.p50Ms.toFixed(2).padStart(9)} ${s.p99Ms
        .toFixed(2)
        .padStart(8)} ${s.cpuUsPerResponse.toFixed(0).padStart(8)}`,
    );
  }
  console.log(
    `Another tenant's ${SMALL_ROWS}-row list during a flood of deliveries to one project: p99 ${floodP99Ratio.toFixed(2)} × without it`,
  );
  return {
    connections: CONNECTIONS,
    deliveries: { ignored, projected, cpuRatio, payloadBytes: size },
    lists: listSides,
    listRatios,
    floodP99Ratio,
    targets,
  };
}
