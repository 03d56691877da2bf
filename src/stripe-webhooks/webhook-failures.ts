import { createHmac, randomBytes } from 'node:crypto';
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

/**
 * A refusal counts under its cause only once Stripe confirmed that the account of the project's key
 * sent that event (see WebhookDeliveryConfirmer); otherwise under one of these, which blame no setting:
 * - `unknown_to_account`: Stripe answered 404: the key's account never sent it (a stranger, or a
 *   webhook endpoint of another Stripe account registered on this URL);
 * - `unconfirmed`: not checked (no event id, no key, a restricted key without the permission, Stripe
 *   did not answer, or the project's confirmations per minute were used up).
 */
export const UNCONFIRMED_REFUSALS = ['unconfirmed', 'unknown_to_account'] as const;
export type UnconfirmedRefusal = (typeof UNCONFIRMED_REFUSALS)[number];
export type CountedRefusal = WebhookFailureCause | UnconfirmedRefusal;

/**
 * Distinct client addresses of unconfirmed refusals are counted with a k-minimum-values sketch: the
 * CLIENT_SKETCH_SIZE smallest 48-bit keyed hashes of the addresses, per row. Exact below that many
 * addresses, an estimate (about ±13 %) above; a flood from a million addresses still stores 64 numbers.
 */
export const CLIENT_SKETCH_SIZE = 64;
const HASH_RANGE = 2 ** 48;
/** Keyed per process: the stored hashes cannot be reversed into addresses by trying all IPv4 ones. */
const CLIENT_HASH_KEY = randomBytes(32);

export function clientHash(address: string): number {
  return createHmac('sha256', CLIENT_HASH_KEY).update(address).digest().readUIntBE(0, 6);
}

/** The sketch of the union of two sketches: the smallest distinct values, at most CLIENT_SKETCH_SIZE. */
export function mergeSketch(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y).slice(0, CLIENT_SKETCH_SIZE);
}

/** Distinct addresses a sketch stands for: exact below CLIENT_SKETCH_SIZE, else the KMV estimate. */
export function sketchCount(sketch: readonly number[]): { count: number; exact: boolean } {
  if (sketch.length < CLIENT_SKETCH_SIZE) return { count: sketch.length, exact: true };
  const kth = sketch[CLIENT_SKETCH_SIZE - 1] + 1;
  return { count: Math.round(((CLIENT_SKETCH_SIZE - 1) * HASH_RANGE) / kth), exact: false };
}

export interface Pending {
  projectId: string;
  mode: StripeMode;
  cause: CountedRefusal;
  bucketStart: Date;
  failures: number;
  lastFailureAt: Date;
  /** Sketch of the client addresses (unconfirmed refusals only; see CLIENT_SKETCH_SIZE). */
  clients: number[];
}

export interface FailureCounts {
  /** Refusals Stripe confirmed as its own deliveries, by cause. */
  total: number;
  byCause: Record<WebhookFailureCause, number>;
  lastFailureAt: Date | null;
  /** Refusals not confirmed as Stripe's: they blame no setting. */
  unconfirmed: UnconfirmedCounts;
}

export interface UnconfirmedCounts {
  total: number;
  /** Of which Stripe said the key's account never sent the event (404). */
  unknownToAccount: number;
  /** Distinct client addresses they came from (an estimate when not `exact`). */
  clientAddresses: number;
  clientAddressesExact: boolean;
}
