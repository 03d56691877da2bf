import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { StripeMode } from '../../stripe/stripe-keys';
import { LEDGER_SWEEP_EXAMPLE, LedgerSweepReport } from '../../payments-sync/dto/ledger-sweep.dto';
import {
  CHECK_CODES,
  CHECK_NAMES,
  CHECK_STATUSES,
  type CheckCode,
  type CheckName,
  type CheckStatus,
} from '../health-report';

/** The `details` of the `ledger` check. */
export class LedgerCheckDetails {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    title: 'Unprojectable Events',
    description: 'Stored events of this mode whose shape the payments ledger could not read (each answered 200)',
  })
  unprojectable_events: number;

  @ApiPropertyOptional({ type: String, title: 'Last Event Id', description: 'The last such event (when there is one)' })
  last_event_id?: string;

  @ApiPropertyOptional({ type: String, title: 'Last Event Type' })
  last_event_type?: string;

  @ApiPropertyOptional({ type: String, title: 'Last Reason', description: 'What the ledger could not read in it' })
  last_reason?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', title: 'Last At' })
  last_at?: string;
}

/** The `details` of the `webhook_deliveries` check. */
export class WebhookDeliveryDetails {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Last Verified Event At' })
  last_verified_event_at: string | null;

  @ApiProperty({
    type: 'integer',
    title: 'Signature Failures 24h',
    description:
      'Refused deliveries of the last 24 h that Stripe confirmed it sent (GET /v1/events/{id} with the stored key of the mode answered 200): only these blame the setup',
  })
  signature_failures_24h: number;

  @ApiProperty({
    type: 'object',
    title: 'Failures By Cause',
    description: 'The confirmed refusals by cause',
    properties: {
      secret_mismatch: { type: 'integer' },
      clock_skew: { type: 'integer' },
      wrong_url_mode: { type: 'integer' },
    },
    required: ['secret_mismatch', 'clock_skew', 'wrong_url_mode'],
  })
  failures_by_cause: Record<string, number>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Last Failure At' })
  last_failure_at: string | null;

  @ApiProperty({
    type: 'integer',
    title: 'Unconfirmed Failures 24h',
    description:
      'Refused deliveries of the last 24 h not confirmed by Stripe as sent by the account of the stored key (anyone can POST to the URL); they blame no setting',
  })
  unconfirmed_failures_24h: number;

  @ApiProperty({
    type: 'integer',
    title: 'Unconfirmed Unknown To Account 24h',
    description:
      'Of those, Stripe answered 404 for the event id: the account never sent it (a stranger, or a webhook endpoint of another Stripe account registered on this URL)',
  })
  unconfirmed_unknown_to_account_24h: number;

  @ApiProperty({
    type: 'integer',
    title: 'Unconfirmed Client Addresses 24h',
    description: 'From how many distinct client addresses the unconfirmed refusals came',
  })
  unconfirmed_client_addresses_24h: number;

  @ApiProperty({
    type: Boolean,
    title: 'Unconfirmed Client Addresses Exact',
    description: 'false: more than 63 addresses, and the count is an estimate (about ±13 %)',
  })
  unconfirmed_client_addresses_exact: boolean;
}

@ApiExtraModels(WebhookDeliveryDetails, LedgerCheckDetails)
export class HealthCheckResult {
  @ApiProperty({ enum: CHECK_NAMES, title: 'Check', description: 'What is checked', example: 'secret_key' })
  check: CheckName;

  @ApiProperty({
    enum: Object.keys(CHECK_CODES),
    title: 'Code',
    description: 'The outcome, for machines (stable); `check` is its prefix group',
    example: 'secret_key_invalid',
  })
  code: CheckCode;

  @ApiProperty({
    enum: CHECK_STATUSES,
    title: 'Status',
    description:
      '`ok`, `warning` (works, but something is off), `failing` (will break payments), `unknown` (could not tell yet)',
    example: 'failing',
  })
  status: CheckStatus;

  @ApiProperty({
    type: String,
    title: 'Message',
    description: 'One line for a human; names fields and masked forms only, never a secret',
    example:
      'The test secret key sk_test_...aBcD (test_secret_key) is rejected by Stripe as invalid (rolled or deleted in the dashboard?): store the current key',
  })
  message: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    title: 'Checked At',
    description:
      'When the outcome was established: the last call to Stripe for `secret_key` and `webhook_endpoint` (null: not checked yet), this report for the others',
  })
  checked_at: Date | null;

  @ApiPropertyOptional({
    oneOf: [{ $ref: getSchemaPath(WebhookDeliveryDetails) }, { $ref: getSchemaPath(LedgerCheckDetails) }],
    title: 'Details',
    description: '`webhook_deliveries` and `ledger` only: the counts the check is made of',
  })
  details?: Record<string, unknown>;
}

export class ModeHealth {
  @ApiProperty({ enum: ['test', 'live'], title: 'Mode' })
  mode: StripeMode;

  @ApiProperty({ enum: CHECK_STATUSES, title: 'Status', description: 'The worst status of the checks' })
  status: CheckStatus;

  @ApiProperty({ type: () => [HealthCheckResult], title: 'Checks' })
  checks: HealthCheckResult[];

  @ApiPropertyOptional({
    type: () => LedgerSweepReport,
    nullable: true,
    title: 'Sweep',
    description:
      "The last sweep of Stripe's event list for undelivered events (payments ledger); null: the mode is not swept (no stored secret key, or PAYMENTS_SWEEP_INTERVAL off)",
    example: LEDGER_SWEEP_EXAMPLE,
  })
  sweep?: LedgerSweepReport | null;
}

export class StripeHealthResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Project Id' })
  project_id: string;

  @ApiProperty({
    type: Boolean,
    nullable: true,
    title: 'Config Active',
    description: 'null when the project has no Stripe configuration',
  })
  config_active: boolean | null;

  @ApiProperty({ type: String, format: 'date-time', title: 'Generated At' })
  generated_at: Date;

  @ApiProperty({ type: () => ModeHealth, title: 'Test' })
  test: ModeHealth;

  @ApiProperty({ type: () => ModeHealth, title: 'Live' })
  live: ModeHealth;
}

const NOW = '2026-12-01T09:30:00.000Z';
const URL = 'https://api.example.com/api/v1/payments/stripe/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6';

/** The `details` of a webhook_deliveries check with `secretMismatches` refusals and no verified event. */
function deliveryDetails(secretMismatches: number, lastFailureAt: string | null): Record<string, unknown> {
  return {
    last_verified_event_at: null,
    signature_failures_24h: secretMismatches,
    failures_by_cause: { secret_mismatch: secretMismatches, clock_skew: 0, wrong_url_mode: 0 },
    last_failure_at: lastFailureAt,
    unconfirmed_failures_24h: secretMismatches > 0 ? 212 : 0,
    unconfirmed_unknown_to_account_24h: secretMismatches > 0 ? 180 : 0,
    unconfirmed_client_addresses_24h: secretMismatches > 0 ? 9 : 0,
    unconfirmed_client_addresses_exact: true,
  };
}

/** The documented example: a wrong webhook secret pasted in test mode, and a live set-up not finished. */
export const STRIPE_HEALTH_EXAMPLE: StripeHealthResponse = {
  project_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  config_active: true,
  generated_at: NOW as unknown as Date,
  test: {
    mode: 'test',
    status: 'failing',
    checks: [
      {
        check: 'secret_key',
        code: 'secret_key_valid',
        status: 'ok',
        message: 'The test secret key sk_test_...aBcD (test_secret_key) is valid: Stripe accepted it',
        checked_at: '2026-12-01T03:12:44.000Z' as unknown as Date,
      },
      {
        check: 'publishable_key',
        code: 'publishable_key_ok',
        status: 'ok',
        message: 'The test publishable key pk_test_...eFgH (test_publishable_key) is stored and is a test-mode key',
        checked_at: NOW as unknown as Date,
      },
      {
        check: 'webhook_endpoint',
        code: 'webhook_endpoint_ok',
        status: 'ok',
        message: `The test webhook endpoint we_1Mr5jULkdIwHu7ix is enabled for ${URL}/test and listens to the 6 events the service needs`,
        checked_at: '2026-12-01T03:12:44.000Z' as unknown as Date,
      },
      {
        check: 'webhook_deliveries',
        code: 'webhook_secret_mismatch',
        status: 'failing',
        message: `14 test deliveries refused in the last 24 h, most likely because the stored webhook secret does not match the endpoint sending events: test_webhook_secret (whsec_...iJkL) is not the signing secret of the endpoint that delivers to ${URL}/test; copy that endpoint's signing secret from Stripe`,
        checked_at: NOW as unknown as Date,
        details: deliveryDetails(14, '2026-12-01T09:28:10.000Z'),
      },
    ],
  },
  live: {
    mode: 'live',
    status: 'failing',
    checks: [
      {
        check: 'secret_key',
        code: 'secret_key_expired',
        status: 'failing',
        message:
          'The live secret key rk_live_...mNoP (live_secret_key) has expired (rolled in the dashboard with an expiry): store the new key',
        checked_at: '2026-12-01T03:12:45.000Z' as unknown as Date,
      },
      {
        check: 'publishable_key',
        code: 'publishable_key_not_stored',
        status: 'warning',
        message:
          'No live publishable key is stored (live_publishable_key): Stripe.js and Checkout in the browser need it',
        checked_at: NOW as unknown as Date,
      },
      {
        check: 'webhook_endpoint',
        code: 'webhook_endpoint_not_checked',
        status: 'unknown',
        message:
          'The live webhook endpoint could not be looked up in Stripe: the live secret key check ended as expired',
        checked_at: '2026-12-01T03:12:45.000Z' as unknown as Date,
      },
      {
        check: 'webhook_deliveries',
        code: 'webhook_no_events',
        status: 'unknown',
        message: 'No live event has been verified yet, and no delivery was refused in the last 24 h',
        checked_at: NOW as unknown as Date,
        details: deliveryDetails(0, null),
      },
      {
        check: 'go_live',
        code: 'go_live_not_ready',
        status: 'warning',
        message:
          'Not ready for live payments: the live secret key is not known to be valid; no live publishable key; no enabled live webhook endpoint; no live event verified yet',
        checked_at: NOW as unknown as Date,
      },
    ],
  },
};
