import { type ConfigOf, defineConfig, isHttpUrl, positiveInteger } from '../config/config-area';

/** Where Stripe's API is reached (STRIPE_API_BASE) and the hard deadline of each call (STRIPE_TIMEOUT_MS). */
export const stripeApiConfig = defineConfig('stripe api', (env, problems) => {
  const apiBase = (env.STRIPE_API_BASE ?? 'https://api.stripe.com').replace(/\/+$/, '');
  if (!isHttpUrl(apiBase)) problems.push('STRIPE_API_BASE must be an http(s) URL');
  return { apiBase, timeoutMs: positiveInteger(env, 'STRIPE_TIMEOUT_MS', 8000, problems) };
});
export type StripeApiConfig = ConfigOf<typeof stripeApiConfig>;
