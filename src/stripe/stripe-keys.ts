/**
 * Stripe's key shapes, defined once: every validation rule (DTOs, the OpenAPI `pattern`), masking
 * (responses, errors, log lines) and message cleaning take their prefixes and body rule from here.
 * Pure data and functions: this file imports nothing, so that http/ and logging/ may use it.
 */

export type StripeMode = 'test' | 'live';
export type CredentialKind = 'secret' | 'publishable' | 'webhook';

/** The prefix of an API key of any kind and mode (`sk_test_`, `rk_live_`, `pk_test_`), as a regex source. */
export const API_KEY_PREFIX_SOURCE = '(?:sk|rk|pk)_(?:test|live)_';
/** The prefix of a webhook signing secret, as a regex source. */
export const WEBHOOK_SECRET_PREFIX_SOURCE = 'whsec_';
/** Any credential prefix (API key or webhook secret), as a regex source. */
export const CREDENTIAL_PREFIX_SOURCE = `${API_KEY_PREFIX_SOURCE}|${WEBHOOK_SECRET_PREFIX_SOURCE}`;
/** What follows the prefix of an accepted credential: at least 8 letters or digits. */
const KEY_BODY_SOURCE = '[A-Za-z0-9]{8,}';

/** Prefix + body: at most this many characters. */
export const CREDENTIAL_MAX_LENGTH = 255;

/** The six credentials a project can store, as named on the wire. */
export const CREDENTIAL_FIELDS = [
  'test_secret_key',
  'test_publishable_key',
  'test_webhook_secret',
  'live_secret_key',
  'live_publishable_key',
  'live_webhook_secret',
] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

export interface CredentialRule {
  field: CredentialField;
  mode: StripeMode;
  kind: CredentialKind;
  /** Accepted prefixes, e.g. `sk_test_` and `rk_test_`. */
  prefixes: string[];
  /** The whole accepted shape as a JSON-schema pattern (documented in the OpenAPI spec). */
  pattern: string;
}

function rule(field: CredentialField, mode: StripeMode, kind: CredentialKind): CredentialRule {
  const prefixes =
    kind === 'secret' ? [`sk_${mode}_`, `rk_${mode}_`] : kind === 'publishable' ? [`pk_${mode}_`] : ['whsec_'];
  const prefixPattern = kind === 'secret' ? `(sk|rk)_${mode}_` : kind === 'publishable' ? `pk_${mode}_` : 'whsec_';
  return { field, mode, kind, prefixes, pattern: `^${prefixPattern}${KEY_BODY_SOURCE}$` };
}

export const CREDENTIAL_RULES: Record<CredentialField, CredentialRule> = {
  test_secret_key: rule('test_secret_key', 'test', 'secret'),
  test_publishable_key: rule('test_publishable_key', 'test', 'publishable'),
  test_webhook_secret: rule('test_webhook_secret', 'test', 'webhook'),
  live_secret_key: rule('live_secret_key', 'live', 'secret'),
  live_publishable_key: rule('live_publishable_key', 'live', 'publishable'),
  live_webhook_secret: rule('live_webhook_secret', 'live', 'webhook'),
};

/** Any secret or restricted key, either mode: what validate-credentials checks against Stripe. */
export const SECRET_KEY_PATTERN = `^(sk|rk)_(test|live)_${KEY_BODY_SOURCE}$`;
const SECRET_KEY = new RegExp(SECRET_KEY_PATTERN);
const PUBLISHABLE_KEY_PREFIX = /^pk_(?:test|live)_/;
const MODE_OF_KEY = /^(?:sk|rk|pk)_(test|live)_/;
/** Stripe's keys of one account carry its id right after `sk_test_5` / `pk_test_5` (`sk_test_51H8Xq2...`). */
const ACCOUNT_OF_KEY = /^(?:sk|rk|pk)_(?:test|live)_5(1[A-Za-z0-9]{15})/;
/** A webhook signing secret as Stripe returns it on an endpoint's creation. */
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9]+$/;

/** A secret or restricted key of either mode, with a body of at least 8 letters or digits. */
export function isSecretKeyShape(value: string): boolean {
  return SECRET_KEY.test(value);
}

/** Starts like a publishable key (`pk_test_`, `pk_live_`): the usual mix-up in a secret key field. */
export function hasPublishableKeyPrefix(value: string): boolean {
  return PUBLISHABLE_KEY_PREFIX.test(value);
}

/** Looks like a webhook signing secret (`whsec_` and letters or digits). */
export function isWebhookSecretShape(value: string): boolean {
  return WEBHOOK_SECRET.test(value);
}

/** The mode a key's prefix says it belongs to (`sk_live_...` → live); undefined for webhook secrets. */
export function modeOfKey(value: string): StripeMode | undefined {
  const match = MODE_OF_KEY.exec(value);
  return match ? (match[1] as StripeMode) : undefined;
}

/**
 * The id of the Stripe account a key embeds (`1H8Xq2...` of `sk_test_51H8Xq2...`, the `acct_1H8Xq2...`
 * account); undefined when the key has another shape (it cannot be told). A heuristic: Stripe does not
 * document it, so a difference is reported as a warning at most.
 */
export function stripeAccountOfKey(value: string): string | undefined {
  return ACCOUNT_OF_KEY.exec(value)?.[1];
}
