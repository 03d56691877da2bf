import { API_PREFIX } from '../common/api-prefix';
// eslint-disable-next-line no-restricted-imports -- layer exception: key shapes (StripeMode) move to src/stripe/ (house-data); remove the disable then
import type { StripeMode } from '../credentials/credential-fields';

/**
 * The route of Stripe's deliveries to a project (StripeWebhookReceiverController:
 * `POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}`), below API_PREFIX. Defined once, here:
 * the receiver serves it and this module gives its URLs to Stripe (stripe-webhooks imports this module).
 */
export const WEBHOOK_RECEIVER_PATH = 'payments/stripe/webhooks';

/** The URL Stripe delivers a project's events of one mode to. */
export function webhookReceiverUrl(publicBaseUrl: string, projectId: string, mode: StripeMode): string {
  return `${publicBaseUrl}/${API_PREFIX}/${WEBHOOK_RECEIVER_PATH}/${projectId}/${mode}`;
}
