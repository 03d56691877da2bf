// Finding c: one tenant's flood does not slow another. Tenant A runs 16 loops of PUT config with a
// 64 KB body of empty objects, each on a new connection, for FLOOD_SECONDS (default 20); tenant B reads
// its own config one request after another, first quiet, then during A's flood: B's p50/p95 compared.
import { alive, configPath, countBy, emptyObjects, percentile, report, rss, send, tenant } from './lib.mjs';

const seconds = Number(process.env.FLOOD_SECONDS ?? 20);
const a = await tenant('flood-a');
const b = await tenant('flood-b');

async function readsOfB(ms) {
  const latencies = [];
  const statuses = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const r = await send('GET', configPath(b.projectId), b.auth);
    latencies.push(r.ms);
    statuses.push(r.status);
  }
  return {
    n: latencies.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    statuses: countBy(statuses),
  };
}

const quiet = await readsOfB(seconds * 500);
const body = emptyObjects(64 * 1024 - 10);
let flooding = true;
const aStatuses = [];
const loops = Array.from({ length: 16 }, async () => {
  while (flooding) aStatuses.push((await send('PUT', configPath(a.projectId), a.auth, body)).status);
});
const during = await readsOfB(seconds * 1000);
flooding = false;
await Promise.all(loops);

report('c: tenant flood', {
  bQuiet: quiet,
  bDuringFlood: during,
  aRequests: aStatuses.length,
  aStatuses: countBy(aStatuses),
  up: await alive(),
  ...rss(),
});
