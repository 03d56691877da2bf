import { FakeStripe } from './fake-stripe';

const KEY = /^(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{8,}$/;

/**
 * The local Stripe of `npm run stripe:local` (and of test/readme-walkthrough.e2e-spec.ts): the tests'
 * fake Stripe, accepting any well-formed secret or restricted key unless it contains "invalid" (then
 * 401, as Stripe answers an unknown key), logging one line per request with the key masked.
 */
export async function startLocalStripe(port: number, log: (line: string) => void = console.log): Promise<FakeStripe> {
  const stripe = new FakeStripe();
  stripe.use((req) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (KEY.test(key) && !/invalid/i.test(key)) stripe.validKeys.add(key);
    const masked = key ? `${key.slice(0, 8)}...${key.slice(-4)}` : '(no key)';
    log(`${new Date().toISOString()} ${req.method} ${req.path.split('?')[0]} ${masked}`);
    return false; // then Stripe's answer: balance, webhook endpoints, or 401 for an unknown key
  });
  await stripe.start(port);
  return stripe;
}
