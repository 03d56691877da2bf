import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { hasPublishableKeyPrefix } from '../../stripe/stripe-keys';

export class ValidateStripeCredentialsRequest {
  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 255,
    title: 'Secret Key',
    description:
      "A secret (sk_) or restricted (rk_) key to check against Stripe; it is not stored. A publishable key (pk_) is a 422. Any other string is accepted and answered: a key of another shape than `sk_`/`rk_` + `test_`/`live_` + 8 or more letters or digits, of the mode is_test_mode does not say, or the documentation's example key is answered with valid: false without calling Stripe (so no pattern is declared).",
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1, { message: 'secret_key must not be empty' })
  @MaxLength(255)
  @ValidateBy({
    // A publishable key is the usual mix-up: say what is expected instead of asking Stripe.
    name: 'value_error',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasPublishableKeyPrefix(value),
      defaultMessage: () =>
        'secret_key expects a secret (sk_) or restricted (rk_) key, but a publishable key (pk_) was given',
    },
  })
  secret_key: string;

  @ApiPropertyOptional({ type: Boolean, default: true, title: 'Is Test Mode' })
  @IsOptional()
  @IsBoolean()
  is_test_mode?: boolean = true;
}

export class ValidateStripeCredentialsResponse {
  @ApiProperty({ type: Boolean, title: 'Valid' })
  valid: boolean;

  @ApiProperty({ type: String, title: 'Message', example: 'Stripe credentials are valid' })
  message: string;
}
