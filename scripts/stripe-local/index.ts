import type { TriggerResult } from './fake-stripe';
import { TRIGGER_NAMES } from './events';
import { startLocalStripe } from './local-stripe';

/**
 * `npm run stripe:local`: a small Stripe-compatible server on http://127.0.0.1:12111 (PORT to change),
 * the same one the tests use (test/helpers/fake-stripe.ts), so validate-credentials and the one-call
 * webhook setup can be tried without internet. Start the service with
 * STRIPE_API_BASE=http://127.0.0.1:12111. It accepts any well-formed secret or restricted key
 * (`sk_test_` + 8 or more letters or digits) unless it contains "invalid" (then 401, as Stripe
 * answers an unknown key); it keeps webhook endpoints in memory and logs one line per request
 * (keys masked).
 *
 * `npm run stripe:local -- trigger EVENT` (as `stripe trigger EVENT` does against Stripe): asks the
 * running local Stripe (STRIPE_LOCAL_URL, else http://127.0.0.1:PORT) to build EVENT and deliver it,
 * signed with each endpoint's own secret, to the webhook endpoints created on it; prints one line per
 * delivery with the endpoint's answer. Exits 1 when nothing was delivered or an endpoint refused it.
 */
const USAGE = `Usage: npm run stripe:local                      start the local Stripe (PORT, default 12111)
       npm run stripe:local -- trigger EVENT      deliver EVENT to the endpoints created on it
                                                  [--api-key sk_test_...] [--live]
EVENT: ${TRIGGER_NAMES.join(', ')}`;

/** `trigger EVENT [--api-key KEY] [--live]`: see the comment above. */
async function trigger(args: string[]): Promise<number> {
  const [event, ...flags] = args;
  if (!event || event.startsWith('-')) {
    console.error(USAGE);
    return 2;
  }
  const keyAt = flags.indexOf('--api-key');
  const body = { event, api_key: keyAt >= 0 ? flags[keyAt + 1] : undefined, livemode: flags.includes('--live') };
  const base = process.env.STRIPE_LOCAL_URL ?? `http://127.0.0.1:${process.env.PORT ?? 12111}`;
  let response: Response;
  try {
    response = await fetch(`${base}/_local/trigger`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    console.error(
      `No local Stripe answers at ${base}: start it with \`npm run stripe:local\` (or set STRIPE_LOCAL_URL)`,
    );
    return 1;
  }
  const answer = (await response.json()) as TriggerResult & { error?: { message: string } };
  if (!response.ok) {
    console.error(answer.error?.message ?? `HTTP ${response.status}`);
    return 1;
  }
  console.log(`Setting up fixture for: ${event}`);
  for (const d of answer.deliveries) {
    const outcome = d.status === null ? `failed: ${d.error}` : `[${d.status}] ${d.body.trim()}`;
    console.log(`${d.type} ${d.event} -> ${d.url} ${outcome}`);
  }
  if (answer.deliveries.length === 0) {
    console.error(
      `No webhook endpoint of this mode listens to ${answer.events.map((e) => e.type).join(', ')}: create one first (POST .../webhook-endpoints)`,
    );
    return 1;
  }
  const failed = answer.deliveries.filter((d) => d.status === null || d.status >= 300);
  if (failed.length > 0) return 1;
  console.log('Trigger succeeded! Check the events with GET .../webhook-events.');
  return 0;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'trigger') process.exit(await trigger(rest));
  if (command !== undefined) {
    console.error(USAGE);
    process.exit(2);
  }
  const stripe = await startLocalStripe(Number(process.env.PORT ?? 12111));
  console.log(`Local Stripe on ${stripe.url}: start the service with STRIPE_API_BASE=${stripe.url}`);
  const stop = () => void stripe.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
