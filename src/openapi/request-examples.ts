import { EXAMPLE_CREDENTIALS } from '../stripe-config/example-credentials';

export interface RequestExample {
  summary: string;
  value: Record<string, unknown>;
}

/**
 * The example request body of every operation that takes one, by operationId: what Swagger UI
 * pre-fills in "Try it out" (without it, the UI invents values from the schema's patterns, live keys
 * included). Each is safe to execute as it is: credentials are the test-mode documentation examples
 * (see example-credentials.ts), which the service stores as test credentials only and never sends to
 * Stripe. test/openapi-spec.e2e-spec.ts checks that every body has one, and the browser test runs them.
 */
export const REQUEST_EXAMPLES: Record<string, RequestExample> = {
  register: {
    summary: 'A developer account',
    value: { email: 'dev@example.com', password: 'correct-horse-battery', full_name: 'Ada Lovelace' },
  },
  login: {
    summary: 'Email and password (JSON)',
    value: { email: 'dev@example.com', password: 'correct-horse-battery' },
  },
  createProject: {
    summary: 'A project',
    value: { name: 'My SaaS', description: 'Billing for my SaaS' },
  },
  updateStripeConfig: {
    summary: "Test-mode only, the documentation's example keys (not real; never sent to Stripe)",
    value: { ...EXAMPLE_CREDENTIALS },
  },
  validateStripeCredentials: {
    summary: "The documentation's example key: answered valid=false without calling Stripe",
    value: { secret_key: EXAMPLE_CREDENTIALS.test_secret_key, is_test_mode: true },
  },
  createWebhookEndpoint: {
    summary: 'Test mode (needs a real test secret key stored; the example key is refused with 409)',
    value: { mode: 'test' },
  },
  startStripePaymentSync: {
    summary: "Test mode (with the documentation's example key stored, the sync ends failed without calling Stripe)",
    value: { mode: 'test' },
  },
  receiveStripeWebhook: {
    summary: 'An event as Stripe sends it (refused with 400 without a valid Stripe-Signature)',
    value: {
      id: 'evt_EXAMPLE',
      object: 'event',
      type: 'checkout.session.completed',
      livemode: false,
      created: 1700000000,
      data: { object: { id: 'cs_test_EXAMPLE', object: 'checkout.session' } },
    },
  },
};
