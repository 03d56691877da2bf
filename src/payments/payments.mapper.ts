import type { Project } from '../projects/project.entity';
import type { StripeConfig } from '../stripe-config/stripe-config.entity';
import type {
  ProjectPaymentConfigResponse,
  StripePaymentResponse,
  StripeSubscriptionResponse,
} from './dto/payments.dto';
import type { PaymentRow } from './ledger-payments.repository';
import type { SubscriptionRow } from './ledger-subscriptions.repository';

/** bigint columns come back as text; amounts are at most MAX_AMOUNT, well within a safe integer. */
const integer = (value: string | number): number => Number(value);

export function toSubscriptionResponse(row: SubscriptionRow): StripeSubscriptionResponse {
  return {
    id: row.id,
    project_id: row.project_id,
    user_id: row.user_id,
    is_test_mode: row.mode === 'test',
    subscription_id: row.stripe_subscription_id,
    customer_id: row.customer_id,
    status: row.status,
    plan_name: row.plan_name,
    quantity: row.quantity,
    current_period_start: row.current_period_start,
    current_period_end: row.current_period_end,
    cancel_at: row.cancel_at,
    cancelled_at: row.cancelled_at,
    created_at: row.stripe_created_at,
  };
}

export function toPaymentResponse(row: PaymentRow): StripePaymentResponse {
  return {
    id: row.id,
    project_id: row.project_id,
    subscription_id: row.subscription_id,
    user_id: row.user_id,
    is_test_mode: row.mode === 'test',
    payment_intent_id: row.payment_intent_id,
    status: row.status,
    amount_cents: integer(row.amount_cents),
    currency: row.currency,
    description: row.description,
    refunded_amount_cents: integer(row.refunded_amount_cents),
    created_at: row.stripe_created_at,
  };
}

export function toProjectPaymentConfig(
  project: Project,
  config: StripeConfig | undefined,
): ProjectPaymentConfigResponse {
  const active = config?.isActive === true;
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    has_payment_config: active,
    has_test_credentials: active && config.testSecretKeyEncrypted !== null,
    has_live_credentials: active && config.liveSecretKeyEncrypted !== null,
    test_configured_at: active ? config.testConfiguredAt : null,
    live_configured_at: active ? config.liveConfiguredAt : null,
    is_active: project.isActive,
    created_at: project.createdAt,
  };
}
