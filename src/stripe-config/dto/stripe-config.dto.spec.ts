import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { StripeConfigRequest } from './stripe-config.dto';

function errorsFor(body: Record<string, unknown>) {
  const dto = plainToInstance(StripeConfigRequest, body);
  return validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
}

describe('StripeConfigRequest prefix rules', () => {
  it.each([
    ['test_secret_key', 'sk_test_abcdefgh'],
    ['test_secret_key', 'rk_test_ABCdef123'],
    ['test_publishable_key', 'pk_test_abcdefgh'],
    ['test_webhook_secret', 'whsec_abcdefgh'],
    ['live_secret_key', 'sk_live_abcdefgh'],
    ['live_secret_key', 'rk_live_abcdefgh'],
    ['live_publishable_key', 'pk_live_abcdefgh'],
    ['live_webhook_secret', 'whsec_abcdefgh'],
  ])('accepts %s = %s', (field, value) => {
    expect(errorsFor({ [field]: value })).toEqual([]);
  });

  it.each([
    ['test_secret_key', 'sk_test_abcdefg'],
    ['test_secret_key', 'sk_test_abc_defgh'],
    ['test_secret_key', 'pk_test_abcdefgh'],
    ['test_webhook_secret', 'whsec_abc'],
    ['live_publishable_key', 'pk_live_abcdefgh!'],
  ])('rejects %s = %s by its pattern', (field, value) => {
    const [error] = errorsFor({ [field]: value });
    expect(error.property).toBe(field);
    expect(Object.keys(error.constraints ?? {})).toEqual(['matches']);
  });

  it('says "live-mode key" for a live key in a test field, and only that', () => {
    const [error] = errorsFor({ test_secret_key: 'sk_live_abcdefgh' });
    expect(Object.keys(error.constraints ?? {})).toEqual(['stripe_mode_mismatch']);
    expect(error.constraints?.stripe_mode_mismatch).toBe(
      'test_secret_key expects a test-mode key (sk_test_ or rk_test_), but a live-mode key was given',
    );
  });

  it('says "test-mode key" for a test key in a live field', () => {
    const [error] = errorsFor({ live_publishable_key: 'pk_test_abcdefgh' });
    expect(error.constraints?.stripe_mode_mismatch).toContain('a test-mode key was given');
  });

  it('trims whitespace before checking', () => {
    const dto = plainToInstance(StripeConfigRequest, { test_secret_key: '  sk_test_abcdefgh \t' });
    expect(validateSync(dto)).toEqual([]);
    expect(dto.test_secret_key).toBe('sk_test_abcdefgh');
  });

  it('allows null (unchanged) and caps length at 255', () => {
    expect(errorsFor({ test_secret_key: null })).toEqual([]);
    expect(errorsFor({ test_secret_key: `sk_test_${'a'.repeat(247)}` })).toEqual([]);
    const [error] = errorsFor({ test_secret_key: `sk_test_${'a'.repeat(248)}` });
    expect(error.constraints).toHaveProperty('maxLength');
  });

  it('never echoes the value in a message', () => {
    const value = 'sk_live_SECRETVALUE123';
    const messages = errorsFor({ test_secret_key: value }).flatMap((e) => Object.values(e.constraints ?? {}));
    expect(messages.join(' ')).not.toContain('SECRETVALUE');
  });
});
