import { LEDGER_EVENT_TYPES, type LedgerEvent } from '../payments/ledger-projector';
import type { SyncPhase } from './ledger-sync.repository';

/** The event types the sweep asks Stripe's event list for (`types[]`, at most 20): those the ledger reads. */
export const SWEPT_EVENT_TYPES = LEDGER_EVENT_TYPES;

/** What one imported Stripe object becomes: the event it is projected as, and what it counts as. */
export interface SynthesisedEvent {
  event: LedgerEvent;
  counts: 'subscription' | 'payment' | null;
}

function event(type: string, object: Record<string, unknown>, fetchedAt: number, suffix = ''): LedgerEvent {
  return {
    // Never a real Stripe event id (evt_...): a sweep or delivery of a real event is stored apart.
    id: `sync_${String(object.id)}${suffix}_${fetchedAt}`,
    type,
    // The state as Stripe showed it when the page was fetched: an event created later (delivered
    // during or after the sync) is newer and wins; an older one does not undo it.
    created: fetchedAt,
    api_version: null,
    data: { object },
  };
}

/**
 * The events one fetched object is imported as (none for states the ledger does not record):
 * - a subscription: `customer.subscription.updated`, or `.deleted` once canceled;
 * - a paid invoice: `invoice.paid` (the payment's subscription), and `invoice_payment.paid` for each
 *   paid payment it lists (2025+ versions: the link from the invoice to its payment intent);
 * - a payment intent: `payment_intent.succeeded`, or `payment_intent.payment_failed` when its last
 *   attempt failed: the one payment row per payment intent;
 * - a charge with refunds: `charge.refunded`.
 */
export function synthesise(phase: SyncPhase, object: Record<string, unknown>, fetchedAt: number): SynthesisedEvent[] {
  switch (phase) {
    case 'subscriptions': {
      const type = object.status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated';
      return [{ event: event(type, object, fetchedAt), counts: 'subscription' }];
    }
    case 'invoices': {
      if (object.status !== 'paid') return [];
      const out: SynthesisedEvent[] = [{ event: event('invoice.paid', object, fetchedAt), counts: null }];
      const payments = (object.payments as { data?: unknown } | undefined)?.data;
      if (Array.isArray(payments)) {
        for (const payment of payments.slice(0, 100)) {
          if (payment && typeof payment === 'object' && (payment as { status?: unknown }).status === 'paid') {
            const p = payment as Record<string, unknown>;
            out.push({ event: event('invoice_payment.paid', p, fetchedAt), counts: null });
          }
        }
      }
      return out;
    }
    case 'payment_intents': {
      if (object.status === 'succeeded')
        return [{ event: event('payment_intent.succeeded', object, fetchedAt), counts: 'payment' }];
      if (object.status === 'requires_payment_method' && object.last_payment_error)
        return [{ event: event('payment_intent.payment_failed', object, fetchedAt), counts: 'payment' }];
      return [];
    }
    case 'charges': {
      const refunded = typeof object.amount_refunded === 'number' && object.amount_refunded > 0;
      return refunded ? [{ event: event('charge.refunded', object, fetchedAt), counts: null }] : [];
    }
  }
}
