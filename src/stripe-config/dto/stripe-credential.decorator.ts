import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateBy, ValidationArguments } from 'class-validator';
import { isExampleCredential } from '../example-credentials';
import { CREDENTIAL_MAX_LENGTH, CREDENTIAL_RULES, CredentialField, modeOfKey } from '../../stripe/stripe-keys';

const TITLES: Record<CredentialField, string> = {
  test_secret_key: 'Test Secret Key',
  test_publishable_key: 'Test Publishable Key',
  test_webhook_secret: 'Test Webhook Secret',
  live_secret_key: 'Live Secret Key',
  live_publishable_key: 'Live Publishable Key',
  live_webhook_secret: 'Live Webhook Secret',
};

function prefixList(field: CredentialField): string {
  return CREDENTIAL_RULES[field].prefixes.join(' or ');
}

/** A key of the other mode in this field (e.g. `sk_live_...` in test_secret_key): said as such. */
function isModeMismatch(field: CredentialField, value: unknown): boolean {
  const rule = CREDENTIAL_RULES[field];
  if (typeof value !== 'string' || rule.kind === 'webhook') return false;
  const mode = modeOfKey(value);
  if (mode === undefined || mode === rule.mode) return false;
  // Same kind of key, other mode: `rk_live_...` would be right if it were `rk_test_...`.
  const asThisMode = value.replace(`_${mode}_`, `_${rule.mode}_`);
  return rule.prefixes.some((prefix) => asThisMode.startsWith(prefix));
}

/**
 * One optional Stripe credential of the request body: trims whitespace, then checks its prefix, mode
 * and body (`^(sk|rk)_test_[A-Za-z0-9]{8,}$`, at most 255 characters); the same rule is written into
 * the OpenAPI schema as `pattern` so generated clients can check before sending. Messages never echo
 * the value. No `example` per field (Swagger UI would invent one): the request body carries one
 * example, test-mode only (see example-credentials.ts); a live field refuses such an example value.
 */
export function StripeCredential(field: CredentialField): PropertyDecorator {
  const rule = CREDENTIAL_RULES[field];
  const otherMode = rule.mode === 'test' ? 'live' : 'test';
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      nullable: true,
      title: TITLES[field],
      pattern: rule.pattern,
      maxLength: CREDENTIAL_MAX_LENGTH,
      description: `${rule.mode === 'test' ? 'Test' : 'Live'}-mode ${rule.kind === 'webhook' ? 'webhook signing secret' : `${rule.kind} key`}: ${prefixList(field)} followed by at least 8 letters or digits. Omitted or null leaves the stored value unchanged.`,
    }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsOptional(),
    IsString({ message: `${field} must be a string` }),
    MaxLength(CREDENTIAL_MAX_LENGTH, { message: `${field} must be at most ${CREDENTIAL_MAX_LENGTH} characters long` }),
    ValidateBy({
      name: 'stripe_mode_mismatch',
      validator: {
        validate: (value: unknown) => !isModeMismatch(field, value),
        defaultMessage: () =>
          `${field} expects a ${rule.mode}-mode key (${prefixList(field)}), but a ${otherMode}-mode key was given`,
      },
    }),
    ValidateBy({
      name: 'example_in_live_field',
      validator: {
        validate: (value: unknown) => rule.mode === 'test' || typeof value !== 'string' || !isExampleCredential(value),
        defaultMessage: () =>
          `${field} is the API documentation's example value, which is test-mode only: use a live key from your Stripe dashboard`,
      },
    }),
    ValidateBy({
      name: 'matches',
      validator: {
        validate: (value: unknown, _args?: ValidationArguments) =>
          typeof value !== 'string' || isModeMismatch(field, value) || new RegExp(rule.pattern).test(value),
        defaultMessage: () => `${field} must be ${prefixList(field)} followed by at least 8 letters or digits`,
      },
    }),
  );
}
