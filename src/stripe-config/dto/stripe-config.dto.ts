import { ApiProperty } from '@nestjs/swagger';
import { StripeCredential } from './stripe-credential.decorator';

export class StripeConfigRequest {
  @StripeCredential('test_secret_key')
  test_secret_key?: string | null;

  @StripeCredential('test_publishable_key')
  test_publishable_key?: string | null;

  @StripeCredential('test_webhook_secret')
  test_webhook_secret?: string | null;

  @StripeCredential('live_secret_key')
  live_secret_key?: string | null;

  @StripeCredential('live_publishable_key')
  live_publishable_key?: string | null;

  @StripeCredential('live_webhook_secret')
  live_webhook_secret?: string | null;
}

/**
 * The stored configuration; credentials only ever in masked form (`sk_test_...aBcD`). Every field is
 * always sent (null when not set): required here, though the reference lists only six as required.
 */
export class StripeConfigResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', title: 'Project Id' })
  project_id: string;

  @ApiProperty({ type: Boolean, title: 'Is Active', description: 'false after DELETE; a PUT reactivates' })
  is_active: boolean;

  @ApiProperty({ type: Boolean, title: 'Has Test Credentials', description: 'A test secret key is stored' })
  has_test_credentials: boolean;

  @ApiProperty({ type: Boolean, title: 'Has Live Credentials', description: 'A live secret key is stored' })
  has_live_credentials: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Test Secret Key Masked',
    example: 'sk_test_...aBcD',
  })
  test_secret_key_masked: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Test Publishable Key Masked',
    example: 'pk_test_...eFgH',
  })
  test_publishable_key_masked: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Test Webhook Secret Masked',
    example: 'whsec_...iJkL',
  })
  test_webhook_secret_masked: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Live Secret Key Masked',
    example: 'rk_live_...9xYz',
  })
  live_secret_key_masked: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Live Publishable Key Masked',
    example: 'pk_live_...mNoP',
  })
  live_publishable_key_masked: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Live Webhook Secret Masked',
    example: 'whsec_...qRsT',
  })
  live_webhook_secret_masked: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    title: 'Test Configured At',
    description: 'When test-mode credentials last changed',
  })
  test_configured_at: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    title: 'Live Configured At',
    description: 'When live-mode credentials last changed',
  })
  live_configured_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time', title: 'Created At' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Updated At' })
  updated_at: Date | null;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    title: 'Version',
    description:
      'The configuration\'s version: its quoted form (`"7"` for 7) is the `ETag` of this answer, and what `If-Match` takes on PUT and DELETE. Every change adds one.',
    example: 7,
  })
  version: number;
}

export class StripeWebhookUrlsResponse {
  @ApiProperty({
    type: String,
    title: 'Test Webhook Url',
    example: 'https://api.example.com/api/v1/payments/stripe/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6/test',
  })
  test_webhook_url: string;

  @ApiProperty({
    type: String,
    title: 'Live Webhook Url',
    example: 'https://api.example.com/api/v1/payments/stripe/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6/live',
  })
  live_webhook_url: string;
}
