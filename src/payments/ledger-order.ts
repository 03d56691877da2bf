/**
 * The order rule. Each group of ledger columns (a subscription's status, its details, a payment's
 * state) keeps the candidate with the greatest (version, event id). Taking a maximum over a total order
 * is commutative and idempotent, so the final state does not depend on delivery order and a redelivery
 * changes nothing. The version packs, most significant first:
 *   1. terminal: a terminal state (canceled subscription, succeeded payment) outranks any other, so an
 *      older or same-second event never revives or undoes it;
 *   2. Stripe's `created` of the event (whole seconds): a newer event wins over an older one;
 *   3. the state's rank: between events of the same second, the state further along its life cycle wins
 *      (past_due over active, succeeded over failed), never the one that arrived last;
 * then the event id breaks what is left (the same second, the same state), deterministically.
 * Candidates that only guess a state (a checkout session's) have `created` 0: any real event outranks them.
 */

const CREATED_FACTOR = 64; // ranks < 64
const TERMINAL = 2 ** 48; // created < 1e11 s, × 64 < 2^43

const SUBSCRIPTION_RANKS: Record<string, number> = {
  incomplete: 1,
  trialing: 2,
  active: 3,
  paused: 4,
  past_due: 5,
  unpaid: 6,
  incomplete_expired: 7,
  canceled: 8,
};
const SUBSCRIPTION_TERMINAL = new Set(['canceled', 'incomplete_expired']);

/** Ledger payment statuses: pending, failed, canceled, succeeded (refunded is derived from the refunded amount). */
const PAYMENT_RANKS: Record<string, number> = { pending: 1, failed: 2, canceled: 3, succeeded: 4 };
const PAYMENT_TERMINAL = new Set(['canceled', 'succeeded']);

function version(created: number, rank: number, terminal: boolean): number {
  return (terminal ? TERMINAL : 0) + created * CREATED_FACTOR + rank;
}

/** `created` in unix seconds; unknown statuses rank lowest. */
export function subscriptionStatusVersion(status: string, created: number): number {
  return version(created, SUBSCRIPTION_RANKS[status] ?? 0, SUBSCRIPTION_TERMINAL.has(status));
}

export function paymentStatusVersion(status: string, created: number): number {
  return version(created, PAYMENT_RANKS[status] ?? 0, PAYMENT_TERMINAL.has(status));
}

/** The details of a subscription carry no state of their own: newer wins, the event id breaks ties. */
export function detailsVersion(created: number): number {
  return created * CREATED_FACTOR;
}

/** A Stripe PaymentIntent or Charge status as a ledger payment status. */
export function paymentStatusOf(stripeStatus: string): string {
  switch (stripeStatus) {
    case 'succeeded':
    case 'paid':
      return 'succeeded';
    case 'canceled':
      return 'canceled';
    case 'failed':
      return 'failed';
    default:
      return 'pending';
  }
}

/** A state guessed from an object that does not own it (a checkout session): below any real event, never terminal. */
export function guessedSubscriptionVersion(status: string): number {
  return SUBSCRIPTION_RANKS[status] ?? 0;
}

export function guessedPaymentVersion(status: string): number {
  return PAYMENT_RANKS[status] ?? 0;
}
