import { maskCredential, maskSecretsDeep, maskSecretsInText } from './key-masking';

describe('maskCredential', () => {
  it.each([
    ['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_...p7dc'],
    ['rk_live_51Habcdefgh9xYz', 'rk_live_...9xYz'],
    ['pk_test_abcdefghaBcD', 'pk_test_...aBcD'],
    ['whsec_abcdefghiJkL', 'whsec_...iJkL'],
  ])('masks %s as prefix + ... + last 4', (input, expected) => {
    expect(maskCredential(input)).toBe(expected);
  });

  it('never returns more than the last 4 characters of something that is not a Stripe key', () => {
    expect(maskCredential('opaque-secret-value')).toBe('...alue');
    expect(maskCredential('abc')).toBe('...');
  });
});

describe('maskSecretsInText / maskSecretsDeep', () => {
  it('masks keys embedded in free text', () => {
    const text = 'Invalid API Key provided: sk_live_abcdefgh12345678 for whsec_zzzzzzzzyyyy';
    expect(maskSecretsInText(text)).toBe('Invalid API Key provided: sk_live_...5678 for whsec_...yyyy');
  });

  it('leaves masked values alone', () => {
    expect(maskSecretsInText('sk_test_...aBcD')).toBe('sk_test_...aBcD');
  });

  it('masks nested values and keeps the same reference when nothing changed', () => {
    const clean = { a: 'hello', b: [1, { c: 'sk_test_...abcd' }] };
    expect(maskSecretsDeep(clean)).toBe(clean);
    const dirty = { a: { b: ['pk_live_abcdefgh1234'] } };
    expect(maskSecretsDeep(dirty)).toEqual({ a: { b: ['pk_live_...1234'] } });
  });

  it('keeps Dates', () => {
    const when = new Date();
    expect(maskSecretsDeep({ when, key: 'sk_test_abcdefgh1234' })).toEqual({ when, key: 'sk_test_...1234' });
  });
});
