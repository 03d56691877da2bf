// Finding a: memory floods right after start. 400 concurrent anonymous 64 KB login bodies of empty
// objects, 300 concurrent signed 64 KB deliveries of one tenant, 50 concurrent listings of 100 stored
// 16 KB events. Every request must be answered 2xx/413/429/503 and the process must stay up.
import {
  alive,
  countBy,
  emptyObjects,
  eventText,
  JSON_TYPE,
  configPath,
  receiverPath,
  report,
  rss,
  send,
  sign,
  tenant,
} from './lib.mjs';

const statuses = (answers) => countBy(answers, (r) => r.status);
const ok = (answers) => answers.every((r) => [200, 201, 413, 429, 503].includes(r.status));

const atStart = rss();
const loginBody = emptyObjects(64 * 1024 - 10);
const logins = await Promise.all(
  Array.from({ length: 400 }, () => send('POST', '/api/v1/auth/login', JSON_TYPE, loginBody)),
);
const afterLogins = { up: await alive(), ...rss() };

const victim = await tenant('flood');
const deliveries = Array.from({ length: 300 }, () => eventText(emptyObjects(64 * 1024 - 300)));
const answers = await Promise.all(
  deliveries.map(({ payload }) =>
    send(
      'POST',
      receiverPath(victim.projectId),
      { ...JSON_TYPE, 'Stripe-Signature': sign(payload, victim.webhookSecret) },
      payload,
    ),
  ),
);
const afterDeliveries = { up: await alive(), ...rss() };
const no503RetryAfter = answers.filter(
  (r) => r.status === 503 && !/^\d+$/.test(String(r.headers['retry-after'])),
).length;

// 100 stored events of 16 KB, then 50 listings of page_size=100 at once.
let stored = 0;
for (let i = 0; i < 100; i++) {
  const { payload } = eventText(emptyObjects(16 * 1024 - 300));
  const r = await send(
    'POST',
    receiverPath(victim.projectId),
    { ...JSON_TYPE, 'Stripe-Signature': sign(payload, victim.webhookSecret) },
    payload,
  );
  if (r.status === 200) stored++;
}
const lists = await Promise.all(
  Array.from({ length: 50 }, () =>
    send('GET', `${configPath(victim.projectId, 'webhook-events')}?mode=test&page_size=100`, victim.auth),
  ),
);
const afterLists = { up: await alive(), ...rss() };
const me = await send('GET', '/api/v1/auth/me', victim.auth);

report('a: memory floods', {
  rssAtStartMb: atStart.rssMb,
  logins: { statuses: statuses(logins), allAnswered: ok(logins), ...afterLogins },
  deliveries: {
    statuses: statuses(answers),
    allAnswered: ok(answers),
    status503WithoutRetryAfter: no503RetryAfter,
    ...afterDeliveries,
  },
  listings: {
    eventsStored: stored,
    statuses: statuses(lists),
    allAnswered: ok(lists),
    p50Ms: lists.map((r) => Math.round(r.ms)).sort((a, b) => a - b)[25],
    ...afterLists,
  },
  meAfterwards: me.status,
  acknowledgedStored: await acknowledgedStored(deliveries.filter((_, i) => answers[i].status === 200).map((d) => d.id)),
});

/** How many of the acknowledged deliveries are in the database (needs DATABASE_URL). */
async function acknowledgedStored(ids) {
  if (!process.env.DATABASE_URL) return `${ids.length} acknowledged (set DATABASE_URL to check they are stored)`;
  const { default: pg } = await import('pg');
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM stripe_webhook_events WHERE event_id = ANY($1)', [
      ids,
    ]);
    return `${rows[0].n} of ${ids.length} acknowledged`;
  } finally {
    await db.end();
  }
}
