import {
  CREDENTIAL_FIELDS,
  CREDENTIAL_RULES,
  hasPublishableKeyPrefix,
  isSecretKeyShape,
  isWebhookSecretShape,
  modeOfKey,
  SECRET_KEY_PATTERN,
  stripeAccountOfKey,
} from './stripe-keys';

describe('Stripe key shapes', () => {
  it('one body rule for every field: a prefix of the field, then at least 8 letters or digits', () => {
    for (const field of CREDENTIAL_FIELDS) {
      const { prefixes, pattern } = CREDENTIAL_RULES[field];
      const accepted = new RegExp(pattern);
      for (const prefix of prefixes) {
        expect(accepted.test(`${prefix}abcdEFG1`)).toBe(true);
        expect(accepted.test(`${prefix}abcdEFG`)).toBe(false);
        expect(accepted.test(`${prefix}abcd-EFG1`)).toBe(false);
      }
    }
    expect(new RegExp(CREDENTIAL_RULES.test_secret_key.pattern).test('sk_live_abcdEFG1')).toBe(false);
  });

  it('a secret key shape for validate-credentials is the same rule as the stored fields', () => {
    expect(SECRET_KEY_PATTERN).toBe('^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$');
    expect(isSecretKeyShape('rk_live_abcdEFG1')).toBe(true);
    expect(isSecretKeyShape('sk_test_abc')).toBe(false);
    expect(isSecretKeyShape('pk_test_abcdEFG1')).toBe(false);
  });

  it('tells a publishable key, a webhook secret and the mode by their prefixes', () => {
    expect(hasPublishableKeyPrefix('pk_live_x')).toBe(true);
    expect(hasPublishableKeyPrefix('sk_live_x')).toBe(false);
    expect(isWebhookSecretShape('whsec_abc123')).toBe(true);
    expect(isWebhookSecretShape('whsec_abc-123')).toBe(false);
    expect(modeOfKey('rk_live_abcdEFG1')).toBe('live');
    expect(modeOfKey('whsec_abcdEFG1')).toBeUndefined();
  });

  it('reads the account id embedded in keys of the current shape, nothing from other shapes', () => {
    const account = (c: string) => `1${c.repeat(15)}`;
    expect(stripeAccountOfKey(`sk_test_5${account('A')}xyz`)).toBe(account('A'));
    expect(stripeAccountOfKey(`pk_live_5${account('B')}uvw`)).toBe(account('B'));
    expect(stripeAccountOfKey('sk_test_abcdefgh12345678')).toBeUndefined();
    expect(stripeAccountOfKey(`whsec_5${account('A')}`)).toBeUndefined();
  });
});
