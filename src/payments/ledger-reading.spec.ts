import { readInvoice, readSubscription, text, UnprojectableEvent, userIdFrom } from './ledger-reading';
import { paymentStatusVersion, subscriptionStatusVersion } from './ledger-order';

describe('ledger-reading', () => {
  it('reads the period of a 2025+ subscription from its items, the quantity as their sum', () => {
    const sub = readSubscription({
      id: 'sub_1',
      created: 100,
      status: 'active',
      customer: { id: 'cus_1' },
      items: {
        data: [
          {
            quantity: 2,
            current_period_start: 200,
            current_period_end: 300,
            price: { nickname: null, product: 'prod_1' },
          },
          { quantity: 3, current_period_start: 150, current_period_end: 400, price: { nickname: 'B' } },
        ],
      },
    });
    expect(sub.details).toMatchObject({ customerId: 'cus_1', quantity: 5, productId: 'prod_1', priceNickname: null });
    expect(sub.details.currentPeriodStart).toEqual(new Date(150_000));
    expect(sub.details.currentPeriodEnd).toEqual(new Date(400_000));
  });

  it('reads the subscription of an invoice in either shape', () => {
    const base = { id: 'in_1', created: 1, currency: 'USD', amount_paid: 5, amount_due: 5 };
    expect(readInvoice({ ...base, subscription: 'sub_a', payment_intent: 'pi_a' })).toMatchObject({
      subscriptionId: 'sub_a',
      paymentIntentId: 'pi_a',
      currency: 'usd',
    });
    expect(readInvoice({ ...base, parent: { subscription_details: { subscription: 'sub_b' } } })).toMatchObject({
      subscriptionId: 'sub_b',
      paymentIntentId: null,
    });
  });

  it.each([
    ['a float amount', { amount_paid: 1.5 }],
    ['a negative amount', { amount_paid: -1 }],
    ['a long currency', { currency: 'dollars' }],
    ['an id with spaces', { id: 'in 1' }],
    ['a created that is text', { created: '1' }],
  ])('refuses %s', (_name, change) => {
    const invoice = { id: 'in_1', created: 1, currency: 'usd', amount_paid: 5, amount_due: 5, ...change };
    expect(() => readInvoice(invoice)).toThrow(UnprojectableEvent);
  });

  it('caps text by code points and takes a user id only when it is a UUID', () => {
    expect(text('😀'.repeat(300))).toBe('😀'.repeat(255));
    expect(userIdFrom('not-a-uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
    expect(userIdFrom(42, null)).toBeNull();
  });
});

describe('ledger-order', () => {
  it('terminal states outrank any later state; within a second, the state further along wins', () => {
    expect(subscriptionStatusVersion('canceled', 10)).toBeGreaterThan(subscriptionStatusVersion('active', 99));
    expect(subscriptionStatusVersion('past_due', 10)).toBeGreaterThan(subscriptionStatusVersion('active', 10));
    expect(subscriptionStatusVersion('active', 11)).toBeGreaterThan(subscriptionStatusVersion('past_due', 10));
    expect(paymentStatusVersion('succeeded', 10)).toBeGreaterThan(paymentStatusVersion('failed', 99));
  });
});
