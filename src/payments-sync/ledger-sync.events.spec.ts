import { synthesise } from './ledger-sync.events';

const AT = 1_796_000_000;

describe('synthesise (what an imported Stripe object is projected as)', () => {
  it('a subscription is an update, or a deletion once canceled, dated when its page was asked for', () => {
    const [active] = synthesise('subscriptions', { id: 'sub_1', status: 'active' }, AT);
    expect(active).toMatchObject({
      counts: 'subscription',
      event: { type: 'customer.subscription.updated', created: AT },
    });
    expect(active.event.id).toBe(`sync_sub_1_${AT}`);
    expect(active.event.data.object).toEqual({ id: 'sub_1', status: 'active' });
    const [canceled] = synthesise('subscriptions', { id: 'sub_2', status: 'canceled' }, AT);
    expect(canceled.event.type).toBe('customer.subscription.deleted');
  });

  it('a paid invoice links its subscription and each paid payment; other invoices import nothing', () => {
    const invoice = {
      id: 'in_1',
      status: 'paid',
      payments: {
        data: [
          { id: 'inpay_1', status: 'paid', payment: { type: 'payment_intent', payment_intent: 'pi_1' } },
          { id: 'inpay_2', status: 'canceled' },
        ],
      },
    };
    expect(synthesise('invoices', invoice, AT).map((e) => [e.event.type, e.event.data.object.id, e.counts])).toEqual([
      ['invoice.paid', 'in_1', null],
      ['invoice_payment.paid', 'inpay_1', null],
    ]);
    expect(synthesise('invoices', { id: 'in_2', status: 'open' }, AT)).toEqual([]);
    expect(synthesise('invoices', { id: 'in_3', status: 'draft' }, AT)).toEqual([]);
  });

  it('a payment intent is one payment: succeeded, or failed after a failed attempt; nothing before an attempt', () => {
    expect(synthesise('payment_intents', { id: 'pi_1', status: 'succeeded' }, AT)[0]).toMatchObject({
      counts: 'payment',
      event: { type: 'payment_intent.succeeded' },
    });
    const failed = { id: 'pi_2', status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } };
    expect(synthesise('payment_intents', failed, AT)[0].event.type).toBe('payment_intent.payment_failed');
    expect(synthesise('payment_intents', { id: 'pi_3', status: 'requires_payment_method' }, AT)).toEqual([]);
    expect(synthesise('payment_intents', { id: 'pi_4', status: 'processing' }, AT)).toEqual([]);
  });

  it('a charge counts only once refunded', () => {
    expect(synthesise('charges', { id: 'ch_1', amount_refunded: 500 }, AT)[0].event.type).toBe('charge.refunded');
    expect(synthesise('charges', { id: 'ch_2', amount_refunded: 0 }, AT)).toEqual([]);
    expect(synthesise('charges', { id: 'ch_3', amount_refunded: '500' }, AT)).toEqual([]);
  });
});
