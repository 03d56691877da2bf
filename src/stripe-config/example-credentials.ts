import type { CredentialField } from '../stripe/stripe-keys';

/**
 * The credentials shown as examples in the API documentation (Swagger UI pre-fills them in "Try it
 * out"). Obviously fake and test-mode only, and recognised as such: they can be stored as test
 * credentials (so the example PUT is safe to execute), but never in a live field, never sent to Stripe
 * by validate-credentials, and never used to create a webhook endpoint.
 */
export const EXAMPLE_CREDENTIALS = {
  test_secret_key: 'sk_test_EXAMPLEdocsOnlyNotARealKey0000',
  test_publishable_key: 'pk_test_EXAMPLEdocsOnlyNotARealKey0000',
  test_webhook_secret: 'whsec_EXAMPLEdocsOnlyNotARealSecret0000',
} as const satisfies Partial<Record<CredentialField, string>>;

/** `EXAMPLE` right after the prefix: how every documentation example is spelled (no real key is). */
const EXAMPLE_SHAPE = /^(?:(?:sk|rk|pk)_(?:test|live)_|whsec_)EXAMPLE/;

export function isExampleCredential(value: string): boolean {
  return EXAMPLE_SHAPE.test(value);
}

export const EXAMPLE_CREDENTIAL_MESSAGE =
  "is the API documentation's example value, not a real Stripe key: use one from your Stripe dashboard";
