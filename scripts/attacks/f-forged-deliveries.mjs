// Finding f: forged deliveries to a project's public receiver URL do not make the health report blame
// its webhook secret. 50 POSTs signed with a wrong secret (Stripe-shaped event ids Stripe does not
// know, from 5 client addresses via X-Forwarded-For when TRUST_PROXY is set), then GET .../health.
// Needs a service whose Stripe answers (STRIPE_API_BASE=http://127.0.0.1:12111 with `npm run stripe:local`).
import {
  alive,
  configPath,
  countBy,
  eventText,
  JSON_TYPE,
  randomKey,
  receiverPath,
  report,
  rss,
  send,
  sign,
  sleep,
  tenant,
} from './lib.mjs';

const dev = await tenant('forged', { test_secret_key: randomKey('sk_test_', 24) });
const forgedSecret = randomKey('whsec_');
const answers = [];
for (let i = 0; i < 50; i++) {
  const { payload } = eventText('{"object":"invoice"}');
  const r = await send(
    'POST',
    receiverPath(dev.projectId),
    {
      ...JSON_TYPE,
      'Stripe-Signature': sign(payload, forgedSecret),
      'X-Forwarded-For': `198.51.100.${1 + (i % 5)}`,
    },
    payload,
  );
  answers.push(r.status);
}
await sleep(3000); // the confirmations run in the background
const health = JSON.parse((await send('GET', configPath(dev.projectId, 'health'), dev.auth)).body);
const checks = (health.test?.checks ?? []).filter((c) => c.code.startsWith('webhook'));

report('f: forged deliveries', {
  forgedStatuses: countBy(answers),
  webhookChecks: checks.map(({ code, status, details }) => ({ code, status, details })),
  blamesSecret: checks.some((c) => /secret_mismatch|clock_skew|wrong_url_mode/.test(c.code) && c.status !== 'ok'),
  up: await alive(),
  ...rss(),
});
