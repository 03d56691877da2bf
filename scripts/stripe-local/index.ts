import { FakeStripe } from './fake-stripe';

/**
 * `npm run stripe:local`: a small Stripe-compatible server on http://127.0.0.1:12111 (PORT to change),
 * the same one the tests use (test/helpers/fake-stripe.ts), so validate-credentials and the one-call
 * webhook setup can be tried without internet. Start the service with
 * STRIPE_API_BASE=http://127.0.0.1:12111. It accepts any well-formed secret or restricted key
 * (`sk_test_` + 8 or more letters or digits) unless it contains "invalid" (then 401, as Stripe
 * answers an unknown key); it keeps webhook endpoints in memory and logs one line per request
 * (keys masked).
 */
const KEY = /^(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{8,}$/;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 12111);
  const stripe = new FakeStripe();
  stripe.use((req) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (KEY.test(key) && !/invalid/i.test(key)) stripe.validKeys.add(key);
    const masked = key ? `${key.slice(0, 8)}...${key.slice(-4)}` : '(no key)';
    console.log(`${new Date().toISOString()} ${req.method} ${req.path.split('?')[0]} ${masked}`);
    return false; // then Stripe's answer: balance, webhook endpoints, or 401 for an unknown key
  });
  await stripe.start(port);
  console.log(`Local Stripe on ${stripe.url}: start the service with STRIPE_API_BASE=${stripe.url}`);
  const stop = () => void stripe.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
