// Finding e: one developer's refresh loop on POST .../health/refresh does not starve the background
// re-validation of the other projects' keys. Needs the service started with a short
// HEALTH_CHECK_INTERVAL (e.g. 20s) and a Stripe (STRIPE_API_BASE=http://127.0.0.1:12111 with
// `npm run stripe:local`, its output in the file STRIPE_LOCAL_LOG: one line per call, the key masked
// to its last 4 characters). 6 other developers store a key each; one developer runs 4 refresh loops
// on its own projects for LOOP_SECONDS (default 60). The background checks must keep calling Stripe
// with every other key meanwhile (one check is 2 calls: about LOOP_SECONDS / interval checks each).
// (The health report's `checked_at` is not used: it is not a count of background checks.)
import { readFileSync } from 'node:fs';
import { alive, configPath, countBy, randomKey, report, rss, send, sleep, tenant } from './lib.mjs';

const seconds = Number(process.env.LOOP_SECONDS ?? 60);
const loopCount = Number(process.env.LOOPS ?? 4);
if (!process.env.STRIPE_LOCAL_LOG) throw new Error('STRIPE_LOCAL_LOG is required');
const others = [];
const otherKeys = Array.from({ length: 6 }, () => randomKey('sk_test_', 24));
for (const [i, key] of otherKeys.entries()) others.push(await tenant(`bg-${i}`, { test_secret_key: key }));
const looper = [];
for (let i = 0; i < loopCount; i++)
  looper.push(await tenant(`loop-${i}`, { test_secret_key: randomKey('sk_test_', 24) }));
await sleep(2000);

const loopStarted = new Date().toISOString();
const statuses = [];
let looping = true;
const loops = looper.map(async (t) => {
  while (looping) {
    statuses.push((await send('POST', configPath(t.projectId, 'health/refresh'), t.auth, '{}')).status);
  }
});
await sleep(seconds * 1000);
looping = false;
await Promise.all(loops);

const loopEnded = new Date().toISOString();
const callsWith = (key) =>
  readFileSync(process.env.STRIPE_LOCAL_LOG, 'utf8')
    .split('\n')
    .filter(
      (line) =>
        line.endsWith(`...${key.slice(-4)}`) && line.slice(0, 24) >= loopStarted && line.slice(0, 24) <= loopEnded,
    ).length;
report('e: refresh loop', {
  refreshStatuses: countBy(statuses),
  otherKeysStripeCallsDuringLoop: otherKeys.map(callsWith),
  up: await alive(),
  ...rss(),
});
