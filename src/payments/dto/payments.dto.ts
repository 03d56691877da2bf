import { toInteger } from '../../http/pagination.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

/** Query strings are text: the booleans FastAPI accepts (true/false, 1/0, yes/no, on/off); anything else is refused (422). */
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  return value;
};

/** `page` ≥ 1 and `page_size` 1–100 (default 50), as the reference's payment lists. */
export class LedgerPageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100000, default: 1, title: 'Page' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'page must be an integer' })
  @Min(1)
  @Max(100000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50, title: 'Page Size' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'page_size must be an integer' })
  @Min(1)
  @Max(100)
  page_size: number = 50;
}

/** A project's own lists: one mode, test by default. */
export class ProjectLedgerQuery extends LedgerPageQuery {
  @ApiPropertyOptional({ type: Boolean, default: true, title: 'Test Mode', description: 'Filter by test mode' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'test_mode must be a boolean' })
  test_mode: boolean = true;
}

/** The lists across the caller's projects: both modes unless `test_mode` is given. */
export class AggregatedLedgerQuery extends LedgerPageQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    title: 'Project Id',
    description: 'Filter by project',
  })
  @IsOptional()
  @IsUUID('all', { message: 'project_id must be a UUID' })
  project_id?: string;

  @ApiPropertyOptional({ type: Boolean, nullable: true, title: 'Test Mode', description: 'Filter by test mode' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'test_mode must be a boolean' })
  test_mode?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 32,
    title: 'Status',
    description:
      'Filter by status: a subscription status (active, trialing, past_due, canceled...) or a payment status (succeeded, failed, pending, canceled, refunded)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  @Matches(/^[a-z_]+$/, { message: 'status must be lower-case letters and underscores' })
  status?: string;
}

export class StatsQuery {
  @ApiPropertyOptional({ type: Boolean, default: true, title: 'Test Mode', description: 'Include test mode data' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'test_mode must be a boolean' })
  test_mode: boolean = true;
}

const EXAMPLE_TIME = '2026-11-03T10:15:00.000Z';

export class StripeSubscriptionResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id', description: "The ledger's id of the subscription" })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', title: 'Project Id' })
  project_id: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    title: 'User Id',
    description: "The checkout session's client_reference_id, or metadata.user_id, when a UUID",
  })
  user_id: string | null;

  @ApiProperty({ type: Boolean, title: 'Is Test Mode' })
  is_test_mode: boolean;

  @ApiProperty({ type: String, title: 'Subscription Id', example: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw' })
  subscription_id: string;

  @ApiProperty({ type: String, nullable: true, title: 'Customer Id', example: 'cus_QXg1o8vcGmoR32' })
  customer_id: string | null;

  @ApiProperty({
    type: String,
    title: 'Status',
    example: 'active',
    description:
      "Stripe's status: incomplete, trialing, active, past_due, unpaid, paused, canceled, incomplete_expired",
  })
  status: string;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Plan Name',
    example: 'Pro monthly',
    description: "The first item's price nickname, else its product's name, else null",
  })
  plan_name: string | null;

  @ApiProperty({ type: 'integer', title: 'Quantity', example: 1, description: "Sum of the items' quantities" })
  quantity: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Current Period Start' })
  current_period_start: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Current Period End' })
  current_period_end: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Cancel At' })
  cancel_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Cancelled At' })
  cancelled_at: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    title: 'Created At',
    example: EXAMPLE_TIME,
    description: "Stripe's `created` of the subscription",
  })
  created_at: string;
}

export class StripeSubscriptionListResponse {
  @ApiProperty({ type: () => [StripeSubscriptionResponse], title: 'Subscriptions' })
  subscriptions: StripeSubscriptionResponse[];

  @ApiProperty({ type: 'integer', title: 'Total' })
  total: number;

  @ApiProperty({ type: 'integer', title: 'Page' })
  page: number;

  @ApiProperty({ type: 'integer', title: 'Page Size' })
  page_size: number;
}

export class StripePaymentResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', title: 'Project Id' })
  project_id: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    title: 'Subscription Id',
    description: "The ledger's id of the payment's subscription (the `id` in the subscription lists)",
  })
  subscription_id: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, title: 'User Id' })
  user_id: string | null;

  @ApiProperty({ type: Boolean, title: 'Is Test Mode' })
  is_test_mode: boolean;

  @ApiProperty({
    type: String,
    title: 'Payment Intent Id',
    example: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
    description:
      'The payment intent; a charge made without one shows its `ch_` id, and a payment known so far only from a 2025+ invoice event its `in_` id until an invoice_payment event names the payment intent',
  })
  payment_intent_id: string;

  @ApiProperty({
    type: String,
    title: 'Status',
    example: 'succeeded',
    description: 'pending, failed, canceled, succeeded, or refunded (refunds reached the amount)',
  })
  status: string;

  @ApiProperty({ type: 'integer', title: 'Amount Cents', example: 2000, description: "In the currency's minor unit" })
  amount_cents: number;

  @ApiProperty({ type: String, title: 'Currency', example: 'usd', description: 'ISO 4217, lower case' })
  currency: string;

  @ApiProperty({ type: String, nullable: true, title: 'Description' })
  description: string | null;

  @ApiProperty({ type: 'integer', title: 'Refunded Amount Cents', default: 0, example: 0 })
  refunded_amount_cents: number;

  @ApiProperty({ type: String, format: 'date-time', title: 'Created At', example: EXAMPLE_TIME })
  created_at: string;
}

export class StripePaymentListResponse {
  @ApiProperty({ type: () => [StripePaymentResponse], title: 'Payments' })
  payments: StripePaymentResponse[];

  @ApiProperty({ type: 'integer', title: 'Total' })
  total: number;

  @ApiProperty({ type: 'integer', title: 'Page' })
  page: number;

  @ApiProperty({ type: 'integer', title: 'Page Size' })
  page_size: number;
}

export class AggregatedSubscriptionResponse extends StripeSubscriptionResponse {
  @ApiProperty({ type: String, title: 'Project Name' })
  project_name: string;

  @ApiProperty({ type: String, title: 'Provider', default: 'stripe', example: 'stripe' })
  provider: string;
}

export class AggregatedSubscriptionListResponse {
  @ApiProperty({ type: () => [AggregatedSubscriptionResponse], title: 'Subscriptions' })
  subscriptions: AggregatedSubscriptionResponse[];

  @ApiProperty({ type: 'integer', title: 'Total' })
  total: number;

  @ApiProperty({ type: 'integer', title: 'Page' })
  page: number;

  @ApiProperty({ type: 'integer', title: 'Page Size' })
  page_size: number;
}

export class AggregatedPaymentResponse extends StripePaymentResponse {
  @ApiProperty({ type: String, title: 'Project Name' })
  project_name: string;

  @ApiProperty({ type: String, title: 'Provider', default: 'stripe', example: 'stripe' })
  provider: string;
}

export class AggregatedPaymentListResponse {
  @ApiProperty({ type: () => [AggregatedPaymentResponse], title: 'Payments' })
  payments: AggregatedPaymentResponse[];

  @ApiProperty({ type: 'integer', title: 'Total' })
  total: number;

  @ApiProperty({ type: 'integer', title: 'Page' })
  page: number;

  @ApiProperty({ type: 'integer', title: 'Page Size' })
  page_size: number;
}

export class ProjectPaymentConfigResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;

  @ApiProperty({ type: String, title: 'Name' })
  name: string;

  @ApiProperty({ type: String, nullable: true, title: 'Description' })
  description: string | null;

  @ApiProperty({ type: Boolean, title: 'Has Payment Config', description: 'An active Stripe configuration is stored' })
  has_payment_config: boolean;

  @ApiProperty({ type: Boolean, title: 'Has Test Credentials', description: 'A test secret key is stored' })
  has_test_credentials: boolean;

  @ApiProperty({ type: Boolean, title: 'Has Live Credentials', description: 'A live secret key is stored' })
  has_live_credentials: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Test Configured At' })
  test_configured_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Live Configured At' })
  live_configured_at: Date | null;

  @ApiProperty({ type: Boolean, title: 'Is Active', description: 'The project is active' })
  is_active: boolean;

  @ApiProperty({ type: String, format: 'date-time', title: 'Created At' })
  created_at: Date;
}

export class ProjectPaymentConfigListResponse {
  @ApiProperty({ type: () => [ProjectPaymentConfigResponse], title: 'Projects' })
  projects: ProjectPaymentConfigResponse[];

  @ApiProperty({ type: 'integer', title: 'Total' })
  total: number;
}

export class CurrencyRevenue {
  @ApiProperty({ type: String, title: 'Currency', example: 'usd' })
  currency: string;

  @ApiProperty({ type: 'integer', title: 'Total Payments', example: 12 })
  total_payments: number;

  @ApiProperty({ type: 'integer', title: 'Successful Payments', example: 10 })
  successful_payments: number;

  @ApiProperty({
    type: 'integer',
    title: 'Total Revenue Cents',
    example: 19000,
    description: 'Succeeded payments in this currency, refunds netted, in its minor unit',
  })
  total_revenue_cents: number;
}

export class PaymentStatsResponse {
  @ApiProperty({ type: 'integer', title: 'Total Projects', example: 3 })
  total_projects: number;

  @ApiProperty({ type: 'integer', title: 'Projects With Config', example: 2 })
  projects_with_config: number;

  @ApiProperty({ type: 'integer', title: 'Projects With Test', example: 2 })
  projects_with_test: number;

  @ApiProperty({ type: 'integer', title: 'Projects With Live', example: 1 })
  projects_with_live: number;

  @ApiProperty({ type: 'integer', title: 'Total Subscriptions', example: 8 })
  total_subscriptions: number;

  @ApiProperty({ type: 'integer', title: 'Active Subscriptions', example: 6, description: 'active or trialing' })
  active_subscriptions: number;

  @ApiProperty({ type: 'integer', title: 'Total Payments', example: 12 })
  total_payments: number;

  @ApiProperty({ type: 'integer', title: 'Successful Payments', example: 10, description: 'succeeded' })
  successful_payments: number;

  @ApiProperty({
    type: 'integer',
    title: 'Total Revenue Cents',
    example: 19000,
    description:
      'Revenue in `currency` only (never summed across currencies): the only currency, else the one with the most successful payments; every currency is in `revenue_by_currency`',
  })
  total_revenue_cents: number;

  @ApiProperty({ type: String, title: 'Currency', default: 'usd', example: 'usd' })
  currency: string;

  @ApiProperty({
    type: () => [CurrencyRevenue],
    title: 'Revenue By Currency',
    description: 'Per currency (not in the reference): payments, successful payments and revenue',
  })
  revenue_by_currency: CurrencyRevenue[];
}
