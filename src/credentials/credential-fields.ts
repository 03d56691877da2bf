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
export type StripeMode = 'test' | 'live';
export type CredentialKind = 'secret' | 'publishable' | 'webhook';

export interface CredentialRule {
  field: CredentialField;
  mode: StripeMode;
  kind: CredentialKind;
  /** Accepted prefixes, e.g. `sk_test_` and `rk_test_`. */
  prefixes: string[];
  /** The same rule as a JSON-schema pattern (documented in the OpenAPI spec). */
  pattern: string;
}

const BODY = '[A-Za-z0-9]{8,}';
/** Prefix + body: at most this many characters. */
export const CREDENTIAL_MAX_LENGTH = 255;

function rule(field: CredentialField, mode: StripeMode, kind: CredentialKind): CredentialRule {
  const prefixes =
    kind === 'secret' ? [`sk_${mode}_`, `rk_${mode}_`] : kind === 'publishable' ? [`pk_${mode}_`] : ['whsec_'];
  const prefixPattern = kind === 'secret' ? `(sk|rk)_${mode}_` : kind === 'publishable' ? `pk_${mode}_` : 'whsec_';
  return { field, mode, kind, prefixes, pattern: `^${prefixPattern}${BODY}$` };
}

/** Any secret or restricted key, either mode: what validate-credentials checks against Stripe. */
export const SECRET_KEY_PATTERN = `^(sk|rk)_(test|live)_${BODY}$`;

export const CREDENTIAL_RULES: Record<CredentialField, CredentialRule> = {
  test_secret_key: rule('test_secret_key', 'test', 'secret'),
  test_publishable_key: rule('test_publishable_key', 'test', 'publishable'),
  test_webhook_secret: rule('test_webhook_secret', 'test', 'webhook'),
  live_secret_key: rule('live_secret_key', 'live', 'secret'),
  live_publishable_key: rule('live_publishable_key', 'live', 'publishable'),
  live_webhook_secret: rule('live_webhook_secret', 'live', 'webhook'),
};

/** The mode a key's prefix says it belongs to (`sk_live_...` → live); undefined for webhook secrets. */
export function modeOfKey(value: string): StripeMode | undefined {
  const match = /^(?:sk|rk|pk)_(test|live)_/.exec(value);
  return match ? (match[1] as StripeMode) : undefined;
}
