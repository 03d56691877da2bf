import type { StripeMode } from '../stripe/stripe-keys';

/*
 * The refused-delivery counts as data, shared by WebhookFailureCounter (which gathers them in memory)
 * and WebhookFailureCountsRepository (which stores them): neither imports the other for them.
 */

/**
 * Why a delivery that reached the signature check was refused, in the terms of its most likely cause:
 * - `secret_mismatch`: no v1 signature matches the stored secret (signed with another endpoint's secret);
 * - `clock_skew`: the signed timestamp is outside the 300 s tolerance;
 * - `wrong_url_mode`: a correctly signed event whose `livemode` contradicts the URL's mode.
 */
export const WEBHOOK_FAILURE_CAUSES = ['secret_mismatch', 'clock_skew', 'wrong_url_mode'] as const;
export type WebhookFailureCause = (typeof WEBHOOK_FAILURE_CAUSES)[number];

/** Counts gathered in memory for one project, mode, cause and hour, until the next flush. */
export interface Pending {
  projectId: string;
  mode: StripeMode;
  cause: WebhookFailureCause;
  bucketStart: Date;
  failures: number;
  lastFailureAt: Date;
}

export interface FailureCounts {
  total: number;
  byCause: Record<WebhookFailureCause, number>;
  lastFailureAt: Date | null;
}
