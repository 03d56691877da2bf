import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { LedgerProjector, type LedgerEvent } from '../src/payments/ledger-projector';
import { LedgerLookups } from '../src/payments/ledger-lookups';
import { rebuildLedger } from '../src/stripe-webhooks/ledger-rebuild';
import { StripeWebhookEventsRepository } from '../src/stripe-webhooks/stripe-webhook-events.repository';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  projectWithConfig,
  registerDeveloper,
} from './helpers/fixtures';
import {
  chargeObject,
  checkoutSessionObject,
  deliver,
  invoiceObject,
  invoicePaymentObject,
  paymentIntentObject,
  stripeEvent,
  subscriptionObject,
  type StripeShape,
} from './helpers/ledger-events';
import { FakeStripe } from './helpers/fake-stripe';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = 1_790_000_000;
const PRODUCT = 'prod_LedgerPro';

/**
 * A subscription's life cycle in the 2026-07-29 shape, its ids tagged with `tag` so that many runs
 * share one project: checkout completed, created, updated twice, the first invoice paid (invoice.paid,
 * invoice_payment.paid and payment_intent.succeeded in the same second as the first update), a renewal
 * invoice failed, the first payment refunded, the subscription deleted.
 */
function lifeCycle(tag: string, userId: string): Json[] {
  const sub = `sub_${tag}`;
  const cus = `cus_${tag}`;
  const base = { id: sub, customer: cus, created: T0, periodStart: T0, periodEnd: T0 + 30 * 86400, product: PRODUCT };
  const renewed = { periodStart: T0 + 30 * 86400, periodEnd: T0 + 60 * 86400 };
  const shape: StripeShape = '2026-07-29';
  return [
    stripeEvent(
      `evt_${tag}_01`,
      'checkout.session.completed',
      T0,
      checkoutSessionObject({
        id: `cs_${tag}`,
        subscription: sub,
        customer: cus,
        clientReferenceId: userId,
        created: T0,
      }),
    ),
    stripeEvent(
      `evt_${tag}_02`,
      'customer.subscription.created',
      T0,
      subscriptionObject(shape, { ...base, status: 'incomplete' }),
    ),
    stripeEvent(
      `evt_${tag}_03`,
      'customer.subscription.updated',
      T0 + 1,
      subscriptionObject(shape, { ...base, status: 'active' }),
    ),
    stripeEvent(
      `evt_${tag}_04`,
      'invoice.paid',
      T0 + 1,
      invoiceObject(shape, {
        id: `in_${tag}_1`,
        subscription: sub,
        customer: cus,
        amount: 2000,
        created: T0,
        status: 'paid',
      }),
    ),
    stripeEvent(
      `evt_${tag}_05`,
      'invoice_payment.paid',
      T0 + 1,
      invoicePaymentObject({
        id: `inpay_${tag}_1`,
        invoice: `in_${tag}_1`,
        paymentIntent: `pi_${tag}_1`,
        amount: 2000,
        created: T0,
      }),
    ),
    stripeEvent(
      `evt_${tag}_06`,
      'payment_intent.succeeded',
      T0 + 1,
      paymentIntentObject(shape, { id: `pi_${tag}_1`, amount: 2000, created: T0, status: 'succeeded', customer: cus }),
    ),
    stripeEvent(
      `evt_${tag}_07`,
      'customer.subscription.updated',
      T0 + 30 * 86400,
      subscriptionObject(shape, { ...base, ...renewed, status: 'active', quantity: 2 }),
    ),
    stripeEvent(
      `evt_${tag}_08`,
      'invoice.payment_failed',
      T0 + 30 * 86400 + 5,
      invoiceObject(shape, {
        id: `in_${tag}_2`,
        subscription: sub,
        customer: cus,
        amount: 4000,
        created: T0 + 30 * 86400,
        status: 'open',
      }),
    ),
    stripeEvent(
      `evt_${tag}_09`,
      'charge.refunded',
      T0 + 30 * 86400 + 60,
      chargeObject(shape, {
        id: `ch_${tag}_1`,
        paymentIntent: `pi_${tag}_1`,
        amount: 2000,
        refunded: 2000,
        created: T0,
      }),
    ),
    stripeEvent(
      `evt_${tag}_10`,
      'customer.subscription.deleted',
      T0 + 30 * 86400 + 120,
      subscriptionObject(shape, {
        ...base,
        ...renewed,
        status: 'canceled',
        quantity: 2,
        canceledAt: T0 + 30 * 86400 + 120,
      }),
    ),
  ];
}

/** The ledger rows of one run, with the run's tag taken out of every id: comparable across runs. */
async function ledgerState(t: TestApp, projectId: string, tag: string): Promise<Json> {
  const untag = (value: unknown) => (typeof value === 'string' ? value.split(tag).join('*') : value);
  const subs = await t.db.query(
    `SELECT id, stripe_subscription_id, user_id, customer_id, status, price_nickname, product_id, quantity,
            current_period_start, current_period_end, cancel_at, cancelled_at, stripe_created_at
       FROM ledger_subscriptions WHERE project_id = $1 AND stripe_subscription_id = $2`,
    [projectId, `sub_${tag}`],
  );
  const payments = await t.db.query(
    `SELECT p.payment_intent_id, p.invoice_id, p.stripe_subscription_id, p.user_id, p.status, p.amount_cents,
            p.currency, p.description, p.refunded_amount_cents, p.stripe_created_at, s.id AS linked
       FROM ledger_payments p LEFT JOIN ledger_subscriptions s
         ON s.project_id = p.project_id AND s.mode = p.mode AND s.stripe_subscription_id = p.stripe_subscription_id
      WHERE p.project_id = $1 AND (p.payment_intent_id LIKE $2 OR p.invoice_id LIKE $2)
      ORDER BY p.payment_intent_id`,
    [projectId, `%${tag}%`],
  );
  expect(subs.rows).toHaveLength(1);
  const { id: subId, ...sub } = subs.rows[0];
  return {
    subscription: Object.fromEntries(Object.entries(sub).map(([k, v]) => [k, untag(v)])),
    payments: payments.rows.map(({ linked, ...row }: Json) => ({
      ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, untag(v)])),
      linked_to_subscription: linked === null ? null : linked === subId,
    })),
  };
}

describe('Payments ledger', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  let dev: Developer;
  let projectId: string;
  let secret: string;
  let secretKey: string;
  let projector: LedgerProjector;
  let dataSource: DataSource;
  const userId = randomUUID();

  beforeAll(async () => {
    ({ t, stripe, dev } = await startAppWithFakeStripe());
    secret = fakeKey('whsec_', 32);
    secretKey = fakeKey('sk_test_');
    stripe.validKeys.add(secretKey);
    stripe.products.set(PRODUCT, { id: PRODUCT, name: 'Pro plan' });
    projectId = await projectWithConfig(t, dev, { test_secret_key: secretKey, test_webhook_secret: secret });
    projector = t.app.get(LedgerProjector);
    dataSource = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Projects events straight through the projector, each in its own transaction (as a delivery). */
  const project = (events: Json[], toProject = projectId) =>
    Promise.all(
      events.map((event) =>
        dataSource.transaction((tx) => projector.project(tx, toProject, 'test', event as LedgerEvent)),
      ),
    );

  describe('a life cycle', () => {
    let expected: Json;

    it('delivered in order through the signed receiver: the final state, one row per payment, lists on the wire', async () => {
      for (const event of lifeCycle('inorder', userId)) await deliver(t, projectId, secret, event).expect(200);
      await t.app.get(LedgerLookups).idle();
      expected = await ledgerState(t, projectId, 'inorder');
      expect(expected).toEqual({
        subscription: {
          stripe_subscription_id: 'sub_*',
          user_id: userId,
          customer_id: 'cus_*',
          status: 'canceled',
          price_nickname: null,
          product_id: PRODUCT,
          quantity: 2,
          current_period_start: new Date((T0 + 30 * 86400) * 1000),
          current_period_end: new Date((T0 + 60 * 86400) * 1000),
          cancel_at: null,
          cancelled_at: new Date((T0 + 30 * 86400 + 120) * 1000),
          stripe_created_at: new Date(T0 * 1000),
        },
        payments: [
          // The failed renewal: 2026 invoices do not name their payment intent; keyed by the invoice.
          expect.objectContaining({
            payment_intent_id: 'in_*_2',
            invoice_id: 'in_*_2',
            status: 'failed',
            amount_cents: '4000',
            linked_to_subscription: true,
          }),
          // invoice.paid, invoice_payment.paid, payment_intent.succeeded and charge.refunded: one row.
          expect.objectContaining({
            payment_intent_id: 'pi_*_1',
            invoice_id: 'in_*_1',
            status: 'succeeded',
            amount_cents: '2000',
            currency: 'usd',
            refunded_amount_cents: '2000',
            linked_to_subscription: true,
            stripe_created_at: new Date(T0 * 1000),
          }),
        ],
      });

      const subs = await t.http().get(configPath(projectId, 'subscriptions')).set(dev.auth).expect(200);
      const sub = subs.body.subscriptions.find((s: Json) => s.subscription_id === 'sub_inorder');
      expect(sub).toMatchObject({
        project_id: projectId,
        user_id: userId,
        is_test_mode: true,
        status: 'canceled',
        plan_name: 'Pro plan', // looked up once in Stripe, outside the delivery's transaction
        quantity: 2,
        created_at: new Date(T0 * 1000).toISOString(),
      });
      expect(stripe.requests.filter((r) => r.path === `/v1/products/${PRODUCT}`)).toHaveLength(1);
      const payments = await t.http().get(configPath(projectId, 'payments')).set(dev.auth).expect(200);
      const paid = payments.body.payments.find((p: Json) => p.payment_intent_id === 'pi_inorder_1');
      expect(paid).toMatchObject({
        subscription_id: sub.id,
        user_id: userId,
        status: 'refunded',
        amount_cents: 2000,
        refunded_amount_cents: 2000,
      });
    });

    it('in 20 random orders, every event also redelivered: the same final state (seeded)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.shuffledSubarray([...Array(20).keys()], { minLength: 20, maxLength: 20 }),
          async (order) => {
            const tag = `rnd${run++}`;
            const events = lifeCycle(tag, userId);
            // Indices 10..19 are redeliveries of 0..9.
            const sequence = order.map((i) => events[i % 10]);
            for (const event of sequence) {
              await dataSource.transaction((tx) => projector.project(tx, projectId, 'test', event as LedgerEvent));
            }
            expect(await ledgerState(t, projectId, tag)).toEqual(expected);
          },
        ),
        { numRuns: 20, seed: 22, endOnFailure: true },
      );
    });

    it('in random orders through the signed receiver, redeliveries answered as duplicates', async () => {
      const rand = fc.sample(fc.shuffledSubarray([...Array(10).keys()], { minLength: 10, maxLength: 10 }), {
        numRuns: 4,
        seed: 7,
      });
      for (const [n, order] of rand.entries()) {
        const tag = `http${n}`;
        const events = lifeCycle(tag, userId);
        for (const i of order) await deliver(t, projectId, secret, events[i]).expect(200);
        const again = await deliver(t, projectId, secret, events[order[0]]).expect(200);
        expect(again.body).toEqual({ received: true, duplicate: true });
        expect(await ledgerState(t, projectId, tag)).toEqual(expected);
      }
    });

    it('all at once, concurrently (twice each): no update lost, the same final state', async () => {
      for (const n of [0, 1, 2]) {
        const tag = `conc${n}`;
        const events = lifeCycle(tag, userId);
        const responses = await Promise.all(
          [...events, ...events].map((event) => deliver(t, projectId, secret, event)),
        );
        expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
        expect(responses.filter((r) => r.body.duplicate).length).toBe(events.length);
        expect(await ledgerState(t, projectId, tag)).toEqual(expected);
      }
    });

    it('concurrently, straight through the projector (each event in its own transaction)', async () => {
      for (const n of [0, 1, 2]) {
        const tag = `par${n}`;
        await project(lifeCycle(tag, userId).reverse());
        expect(await ledgerState(t, projectId, tag)).toEqual(expected);
      }
    });
  });

  describe('fields a later event lacks', () => {
    /**
     * One payment told by four events: the invoice (its own description), the payment intent (another,
     * newer), then an invoice_payment and a refund that carry none. The payment intent's description is
     * the newest one carried, whatever the order.
     */
    function describedPayment(tag: string): Json[] {
      const shape: StripeShape = '2026-07-29';
      const invoice = invoiceObject(shape, {
        id: `in_${tag}`,
        subscription: `sub_${tag}`,
        customer: `cus_${tag}`,
        amount: 1500,
        created: T0,
        status: 'paid',
      });
      invoice.description = 'Invoice text';
      const intent = paymentIntentObject(shape, { id: `pi_${tag}`, amount: 1500, created: T0, status: 'succeeded' });
      intent.description = 'Pro plan, first month';
      const charge = chargeObject(shape, {
        id: `ch_${tag}`,
        paymentIntent: `pi_${tag}`,
        amount: 1500,
        refunded: 500,
        created: T0,
      });
      charge.description = null;
      return [
        stripeEvent(`evt_${tag}_1`, 'invoice.paid', T0 + 1, invoice),
        stripeEvent(`evt_${tag}_2`, 'payment_intent.succeeded', T0 + 2, intent),
        stripeEvent(
          `evt_${tag}_3`,
          'invoice_payment.paid',
          T0 + 3,
          invoicePaymentObject({
            id: `inpay_${tag}`,
            invoice: `in_${tag}`,
            paymentIntent: `pi_${tag}`,
            amount: 1500,
            created: T0,
          }),
        ),
        stripeEvent(`evt_${tag}_4`, 'charge.refunded', T0 + 60, charge),
      ];
    }

    it('a description is kept when a later event without one is projected, in every order', async () => {
      const orders = fc.sample(fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }), {
        numRuns: 8,
        seed: 5,
      });
      // In delivery order first: the last events carry no description.
      for (const [n, order] of [[0, 1, 2, 3], ...orders].entries()) {
        const tag = `desc${n}`;
        const events = describedPayment(tag);
        for (const i of order) {
          await dataSource.transaction((tx) => projector.project(tx, projectId, 'test', events[i] as LedgerEvent));
        }
        const rows = await t.db.query(
          `SELECT payment_intent_id, invoice_id, status, amount_cents, refunded_amount_cents, description
             FROM ledger_payments WHERE project_id = $1 AND (payment_intent_id LIKE $2 OR invoice_id LIKE $2)`,
          [projectId, `%${tag}`],
        );
        expect({ order, rows: rows.rows }).toEqual({
          order,
          rows: [
            {
              payment_intent_id: `pi_${tag}`,
              invoice_id: `in_${tag}`,
              status: 'succeeded',
              amount_cents: '1500',
              refunded_amount_cents: '500',
              description: 'Pro plan, first month',
            },
          ],
        });
      }
    });
  });

  describe('ties and the order rule', () => {
    it('a canceled subscription is never revived: not by an update of the same, an earlier or a later second', async () => {
      const base = { id: 'sub_tie1', customer: 'cus_tie1', created: T0, periodStart: T0, periodEnd: T0 + 10 };
      const canceled = stripeEvent(
        'evt_tie_b',
        'customer.subscription.deleted',
        T0 + 5,
        subscriptionObject('2026-07-29', { ...base, status: 'canceled', canceledAt: T0 + 5 }),
      );
      const active = stripeEvent(
        'evt_tie_z',
        'customer.subscription.updated',
        T0 + 5,
        subscriptionObject('2026-07-29', { ...base, status: 'active' }),
      );
      const older = stripeEvent(
        'evt_tie_a',
        'customer.subscription.updated',
        T0 + 4,
        subscriptionObject('2026-07-29', { ...base, status: 'past_due' }),
      );
      // Stripe never reactivates a canceled subscription: a later non-terminal event does not either.
      const later = stripeEvent(
        'evt_tie_c',
        'customer.subscription.updated',
        T0 + 6,
        subscriptionObject('2026-07-29', { ...base, status: 'active' }),
      );
      for (const order of [
        [canceled, active, older, later],
        [later, active, older, canceled],
        [older, canceled, later, active],
      ]) {
        await t.db.query(`DELETE FROM ledger_subscriptions WHERE stripe_subscription_id = 'sub_tie1'`);
        for (const e of order) await project([e]);
        const { rows } = await t.db.query(
          `SELECT status FROM ledger_subscriptions WHERE stripe_subscription_id = 'sub_tie1'`,
        );
        expect(rows).toEqual([{ status: 'canceled' }]);
      }
    });

    it('a same-second failure does not undo a succeeded payment; a newer sync-style update wins over older state', async () => {
      const succeeded = stripeEvent(
        'evt_t2_z',
        'payment_intent.succeeded',
        T0 + 9,
        paymentIntentObject('2026-07-29', { id: 'pi_tie2', amount: 500, created: T0, status: 'succeeded' }),
      );
      const failed = stripeEvent(
        'evt_t2_a',
        'payment_intent.payment_failed',
        T0 + 9,
        paymentIntentObject('2026-07-29', {
          id: 'pi_tie2',
          amount: 500,
          created: T0,
          status: 'requires_payment_method',
        }),
      );
      await project([succeeded]);
      await project([failed]);
      // A succeeded payment is terminal: not even a later failure report undoes it.
      await project([{ ...failed, id: 'evt_t2_later', created: T0 + 99 }]);
      const { rows } = await t.db.query(`SELECT status FROM ledger_payments WHERE payment_intent_id = 'pi_tie2'`);
      expect(rows).toEqual([{ status: 'succeeded' }]);

      // An object imported later (created = when it was fetched) wins over the older events.
      const base = { id: 'sub_sync1', customer: 'cus_sync1', created: T0, periodStart: T0, periodEnd: T0 + 10 };
      await project([
        stripeEvent(
          'evt_s1',
          'customer.subscription.updated',
          T0 + 100,
          subscriptionObject('2026-07-29', { ...base, status: 'active' }),
        ),
      ]);
      await project([
        stripeEvent(
          'sync_x',
          'customer.subscription.updated',
          T0 + 200,
          subscriptionObject('2026-07-29', { ...base, status: 'past_due' }),
        ),
      ]);
      await project([
        stripeEvent(
          'evt_s0',
          'customer.subscription.updated',
          T0 + 50,
          subscriptionObject('2026-07-29', { ...base, status: 'trialing' }),
        ),
      ]);
      const sub = await t.db.query(
        `SELECT status FROM ledger_subscriptions WHERE stripe_subscription_id = 'sub_sync1'`,
      );
      expect(sub.rows).toEqual([{ status: 'past_due' }]);
    });
  });

  describe('both event shapes, from Stripe’s own example objects', () => {
    it('2024-12-14: period on the subscription, invoice.subscription and invoice.payment_intent', async () => {
      const shape: StripeShape = '2024-12-14';
      const base = {
        id: 'sub_old1',
        customer: 'cus_old1',
        created: T0,
        periodStart: T0 + 1,
        periodEnd: T0 + 2,
        nickname: 'Basic',
        quantity: 3,
      };
      await deliver(
        t,
        projectId,
        secret,
        stripeEvent(
          'evt_old_1',
          'customer.subscription.created',
          T0,
          subscriptionObject(shape, { ...base, status: 'active' }),
          shape,
        ),
      ).expect(200);
      await deliver(
        t,
        projectId,
        secret,
        stripeEvent(
          'evt_old_2',
          'invoice.paid',
          T0,
          invoiceObject(shape, {
            id: 'in_old1',
            subscription: 'sub_old1',
            customer: 'cus_old1',
            amount: 1500,
            created: T0,
            status: 'paid',
            paymentIntent: 'pi_old1',
          }),
          shape,
        ),
      ).expect(200);
      await deliver(
        t,
        projectId,
        secret,
        stripeEvent(
          'evt_old_3',
          'payment_intent.succeeded',
          T0,
          paymentIntentObject(shape, {
            id: 'pi_old1',
            amount: 1500,
            created: T0,
            status: 'succeeded',
            invoice: 'in_old1',
          }),
          shape,
        ),
      ).expect(200);
      const sub = await t.db.query(
        `SELECT id, status, price_nickname, quantity, current_period_start, current_period_end FROM ledger_subscriptions WHERE stripe_subscription_id = 'sub_old1'`,
      );
      expect(sub.rows[0]).toMatchObject({
        status: 'active',
        price_nickname: 'Basic',
        quantity: 3,
        current_period_start: new Date((T0 + 1) * 1000),
        current_period_end: new Date((T0 + 2) * 1000),
      });
      const pay = await t.db.query(
        `SELECT payment_intent_id, invoice_id, stripe_subscription_id, status, amount_cents FROM ledger_payments WHERE invoice_id = 'in_old1' OR payment_intent_id = 'pi_old1'`,
      );
      expect(pay.rows).toEqual([
        {
          payment_intent_id: 'pi_old1',
          invoice_id: 'in_old1',
          stripe_subscription_id: 'sub_old1',
          status: 'succeeded',
          amount_cents: '1500',
        },
      ]);
    });

    it('2026-07-29: period on the items, invoice.parent, invoice_payment linking the invoice to its payment intent (either order)', async () => {
      const shape: StripeShape = '2026-07-29';
      const invoice = stripeEvent(
        'evt_new_2',
        'invoice.paid',
        T0,
        invoiceObject(shape, {
          id: 'in_new1',
          subscription: 'sub_new1',
          customer: 'cus_new1',
          amount: 900,
          created: T0,
          status: 'paid',
        }),
      );
      const link = stripeEvent(
        'evt_new_3',
        'invoice_payment.paid',
        T0,
        invoicePaymentObject({
          id: 'inpay_new1',
          invoice: 'in_new1',
          paymentIntent: 'pi_new1',
          amount: 900,
          created: T0,
        }),
      );
      const intent = stripeEvent(
        'evt_new_4',
        'payment_intent.succeeded',
        T0,
        paymentIntentObject(shape, { id: 'pi_new1', amount: 900, created: T0, status: 'succeeded' }),
      );
      await project([
        stripeEvent(
          'evt_new_1',
          'customer.subscription.created',
          T0,
          subscriptionObject(shape, {
            id: 'sub_new1',
            customer: 'cus_new1',
            created: T0,
            periodStart: T0 + 3,
            periodEnd: T0 + 4,
            status: 'trialing',
          }),
        ),
      ]);
      for (const e of [intent, invoice, link]) await project([e]);
      const pay = await t.db.query(
        `SELECT payment_intent_id, invoice_id, stripe_subscription_id, status, amount_cents FROM ledger_payments WHERE invoice_id = 'in_new1' OR payment_intent_id IN ('pi_new1', 'in_new1')`,
      );
      expect(pay.rows).toEqual([
        {
          payment_intent_id: 'pi_new1',
          invoice_id: 'in_new1',
          stripe_subscription_id: 'sub_new1',
          status: 'succeeded',
          amount_cents: '900',
        },
      ]);
      const sub = await t.db.query(
        `SELECT current_period_start, current_period_end FROM ledger_subscriptions WHERE stripe_subscription_id = 'sub_new1'`,
      );
      expect(sub.rows[0]).toEqual({
        current_period_start: new Date((T0 + 3) * 1000),
        current_period_end: new Date((T0 + 4) * 1000),
      });
    });
    it('2026-07-29: a failed invoice that is never paid is linked to its payment intent by a lookup: one row', async () => {
      stripe.invoicePayments.set('in_lk1', 'pi_lk1');
      const shape: StripeShape = '2026-07-29';
      const failedInvoice = invoiceObject(shape, {
        id: 'in_lk1',
        subscription: 'sub_lk1',
        customer: 'cus_lk1',
        amount: 700,
        created: T0,
        status: 'open',
      });
      const failedIntent = paymentIntentObject(shape, {
        id: 'pi_lk1',
        amount: 700,
        created: T0,
        status: 'requires_payment_method',
      });
      await deliver(
        t,
        projectId,
        secret,
        stripeEvent('evt_lk_1', 'invoice.payment_failed', T0 + 1, failedInvoice),
      ).expect(200);
      await deliver(
        t,
        projectId,
        secret,
        stripeEvent('evt_lk_2', 'payment_intent.payment_failed', T0 + 1, failedIntent),
      ).expect(200);
      await t.app.get(LedgerLookups).idle();
      const pay = await t.db.query(
        `SELECT payment_intent_id, invoice_id, stripe_subscription_id, status, amount_cents FROM ledger_payments
          WHERE invoice_id = 'in_lk1' OR payment_intent_id IN ('pi_lk1', 'in_lk1')`,
      );
      expect(pay.rows).toEqual([
        {
          payment_intent_id: 'pi_lk1',
          invoice_id: 'in_lk1',
          stripe_subscription_id: 'sub_lk1',
          status: 'failed',
          amount_cents: '700',
        },
      ]);
      expect(stripe.requests.filter((r) => r.path === '/v1/invoice_payments?invoice=in_lk1&limit=10')).toHaveLength(1);
    });
  });

  describe('hostile or unreadable events', () => {
    it('an event the ledger cannot read is stored, answered 200, counted and shown in the health report', async () => {
      const bad = stripeEvent('evt_bad_1', 'invoice.paid', T0, {
        ...invoiceObject('2026-07-29', {
          id: 'in_bad',
          subscription: 'sub_bad',
          customer: 'cus_bad',
          amount: 100,
          created: T0,
          status: 'paid',
        }),
        currency: 'dollars',
      });
      const floaty = stripeEvent('evt_bad_2', 'payment_intent.succeeded', T0, {
        ...paymentIntentObject('2026-07-29', { id: 'pi_bad', amount: 1, created: T0, status: 'succeeded' }),
        amount: 10.5,
        amount_received: 10.5,
      });
      const noObject = {
        ...stripeEvent('evt_bad_3', 'customer.subscription.updated', T0, {}),
        data: { object: 'nope' },
      };
      for (const e of [bad, floaty, noObject]) {
        const res = await deliver(t, projectId, secret, e).expect(200);
        expect(res.body).toEqual({ received: true, duplicate: false });
      }
      const stored = await t.db.query(
        `SELECT count(*)::int AS n FROM stripe_webhook_events WHERE event_id LIKE 'evt_bad_%'`,
      );
      expect(stored.rows[0].n).toBe(3);
      const ledger = await t.db.query(
        `SELECT count(*)::int AS n FROM ledger_payments WHERE payment_intent_id IN ('pi_bad', 'in_bad')`,
      );
      expect(ledger.rows[0].n).toBe(0);
      const health = await t.http().get(configPath(projectId, 'health')).set(dev.auth).expect(200);
      const check = health.body.test.checks.find((c: Json) => c.check === 'ledger');
      expect(check).toMatchObject({
        code: 'ledger_unprojectable_events',
        status: 'warning',
        details: { unprojectable_events: 3, last_event_id: 'evt_bad_3', last_reason: 'data.object is not an object' },
      });
    });

    it('strings are capped, currencies lower-cased, ids checked', async () => {
      const long = 'x'.repeat(5000);
      const e = stripeEvent('evt_cap_1', 'payment_intent.succeeded', T0, {
        ...paymentIntentObject('2026-07-29', { id: 'pi_cap1', amount: 10, created: T0, status: 'succeeded' }),
        description: long,
        currency: 'EUR',
      });
      await deliver(t, projectId, secret, e).expect(200);
      const { rows } = await t.db.query(
        `SELECT length(description) AS len, currency FROM ledger_payments WHERE payment_intent_id = 'pi_cap1'`,
      );
      expect(rows).toEqual([{ len: 500, currency: 'eur' }]);
    });

    it("nothing one tenant signs touches another tenant's rows", async () => {
      const otherSecret = fakeKey('whsec_', 32);
      const other = await registerDeveloper(t);
      const otherProject = await projectWithConfig(t, other, { test_webhook_secret: otherSecret });
      const before = await ledgerState(t, projectId, 'inorder');
      const forged = subscriptionObject('2026-07-29', {
        id: 'sub_inorder',
        customer: 'cus_evil',
        created: T0,
        periodStart: T0,
        periodEnd: T0,
        status: 'active',
      });
      await deliver(
        t,
        otherProject,
        otherSecret,
        stripeEvent('evt_forged', 'customer.subscription.updated', T0 + 10 ** 8, forged),
      ).expect(200);
      expect(await ledgerState(t, projectId, 'inorder')).toEqual(before);
      const theirs = await t.http().get(configPath(otherProject, 'subscriptions')).set(other.auth).expect(200);
      expect(theirs.body.subscriptions.map((s: Json) => s.customer_id)).toEqual(['cus_evil']);
      await t.http().get(configPath(projectId, 'subscriptions')).set(other.auth).expect(403);
      const mine = await t.http().get('/api/v1/payments/subscriptions').set(other.auth).expect(200);
      expect(mine.body.subscriptions.every((s: Json) => s.project_id === otherProject)).toBe(true);
    });
  });

  describe('the lists and the stats', () => {
    it('every page, the late ones read from the oldest end, is its slice of the whole list (ties by id)', async () => {
      const lists: [string, string, Json][] = [
        [configPath(projectId, 'subscriptions'), 'subscriptions', {}],
        [configPath(projectId, 'payments'), 'payments', {}],
        ['/api/v1/payments/subscriptions', 'subscriptions', { status: 'canceled' }],
        ['/api/v1/payments/transactions', 'payments', { status: 'refunded' }],
      ];
      // Rows of its own (more when the tests above ran), many of them created in the same second.
      for (const n of [0, 1, 2, 3, 4]) await project(lifeCycle(`pages${n}`, userId));
      const get = async (path: string, query: Json) =>
        (await t.http().get(path).query(query).set(dev.auth).expect(200)).body as Json;
      for (const [path, key, filter] of lists) {
        const whole = await get(path, { ...filter, page_size: 100 });
        expect(whole.total).toBe(whole[key].length);
        expect(whole.total).toBeGreaterThanOrEqual(5);
        const pages = Math.ceil(whole.total / 3);
        for (let page = 1; page <= pages + 1; page++) {
          const body = await get(path, { ...filter, page, page_size: 3 });
          expect({ path, page, total: body.total, rows: body[key] }).toEqual({
            path,
            page,
            total: whole.total,
            rows: whole[key].slice((page - 1) * 3, page * 3),
          });
        }
      }
    });

    it('paginate newest first by Stripe created, filter by mode, and refuse bad parameters with a 422', async () => {
      const page = await t
        .http()
        .get(configPath(projectId, 'subscriptions'))
        .query({ page_size: 2, page: 2 })
        .set(dev.auth)
        .expect(200);
      expect(page.body).toMatchObject({ page: 2, page_size: 2 });
      const all = await t
        .http()
        .get(configPath(projectId, 'subscriptions'))
        .query({ page_size: 100 })
        .set(dev.auth)
        .expect(200);
      const created = all.body.subscriptions.map((s: Json) => s.created_at);
      expect([...created].sort().reverse()).toEqual(created);
      expect(page.body.subscriptions).toEqual(all.body.subscriptions.slice(2, 4));
      const live = await t
        .http()
        .get(configPath(projectId, 'payments'))
        .query({ test_mode: false })
        .set(dev.auth)
        .expect(200);
      expect(live.body).toEqual({ payments: [], total: 0, page: 1, page_size: 50 });
      for (const query of [{ page_size: 101 }, { page: 0 }, { test_mode: 'maybe' }]) {
        await t.http().get(configPath(projectId, 'payments')).query(query).set(dev.auth).expect(422);
      }
      await t.http().get('/api/v1/payments/transactions').query({ project_id: 'nope' }).set(dev.auth).expect(422);
      await t.http().get(configPath(randomUUID(), 'payments')).set(dev.auth).expect(404);
      await t.http().get(configPath(projectId, 'payments')).expect(401);
    });

    it('aggregate across projects with filters; stats net refunds and never sum currencies', async () => {
      const second = await createProject(t, dev, 'Second');
      const secondSecret = fakeKey('whsec_', 32);
      await t
        .http()
        .put(configPath(second, 'config'))
        .set(dev.auth)
        .send({ test_webhook_secret: secondSecret })
        .expect(200);
      for (const [i, currency] of ['jpy', 'jpy', 'gbp'].entries()) {
        const intent = {
          ...paymentIntentObject('2026-07-29', {
            id: `pi_cur${i}`,
            amount: 1000,
            created: T0 + i,
            status: 'succeeded',
          }),
          currency,
        };
        await deliver(
          t,
          second,
          secondSecret,
          stripeEvent(`evt_cur${i}`, 'payment_intent.succeeded', T0 + i, intent),
        ).expect(200);
      }
      const failed = await t
        .http()
        .get('/api/v1/payments/transactions')
        .query({ status: 'failed', test_mode: true })
        .set(dev.auth)
        .expect(200);
      expect(failed.body.payments.length).toBeGreaterThan(0);
      expect(failed.body.payments.every((p: Json) => p.status === 'failed' && p.provider === 'stripe')).toBe(true);
      const refunded = await t
        .http()
        .get('/api/v1/payments/transactions')
        .query({ status: 'refunded' })
        .set(dev.auth)
        .expect(200);
      expect(refunded.body.payments.map((p: Json) => p.payment_intent_id)).toContain('pi_inorder_1');
      const inSecond = await t
        .http()
        .get('/api/v1/payments/transactions')
        .query({ project_id: second })
        .set(dev.auth)
        .expect(200);
      expect(inSecond.body).toMatchObject({ total: 3, page: 1, page_size: 50 });
      expect(inSecond.body.payments[0]).toMatchObject({ project_name: 'Second', payment_intent_id: 'pi_cur2' });
      const subs = await t
        .http()
        .get('/api/v1/payments/subscriptions')
        .query({ status: 'canceled' })
        .set(dev.auth)
        .expect(200);
      // The earlier tests of this file left canceled subscriptions in the first project: the list holds
      // as many as the ledger has (up to a page), newest first.
      const stored = await t.db.query(
        `SELECT count(*)::int AS n FROM ledger_subscriptions s JOIN projects p ON p.id = s.project_id
          WHERE p.owner_id = $1 AND s.status = 'canceled'`,
        [dev.id],
      );
      expect(stored.rows[0].n).toBeGreaterThan(0);
      expect(subs.body.subscriptions.length).toBe(Math.min(50, stored.rows[0].n as number));
      expect(
        subs.body.subscriptions.every((s: Json) => s.status === 'canceled' && s.project_name === 'My project'),
      ).toBe(true);

      const projects = await t.http().get('/api/v1/payments/projects').set(dev.auth).expect(200);
      expect(projects.body.total).toBe(2);
      expect(projects.body.projects.find((p: Json) => p.id === projectId)).toMatchObject({
        has_payment_config: true,
        has_test_credentials: true,
        has_live_credentials: false,
      });

      const stats = await t.http().get('/api/v1/payments/stats').set(dev.auth).expect(200);
      const usd = stats.body.revenue_by_currency.find((c: Json) => c.currency === 'usd');
      // Every life cycle's first payment was refunded in full: usd revenue nets to what remains.
      const usdRows = await t.db.query(
        `SELECT COALESCE(sum(amount_cents - refunded_amount_cents) FILTER (WHERE status = 'succeeded'), 0)::int AS revenue
           FROM ledger_payments WHERE mode = 'test' AND currency = 'usd' AND project_id = ANY($1::uuid[])`,
        [[projectId, second]],
      );
      expect(usd.total_revenue_cents).toBe(usdRows.rows[0].revenue);
      expect(stats.body.revenue_by_currency.find((c: Json) => c.currency === 'jpy')).toEqual({
        currency: 'jpy',
        total_payments: 2,
        successful_payments: 2,
        total_revenue_cents: 2000,
      });
      expect(stats.body).toMatchObject({
        total_projects: 2,
        projects_with_config: 2,
        projects_with_test: 1,
        projects_with_live: 0,
      });
      const main = [...stats.body.revenue_by_currency].sort(
        (a: Json, b: Json) => b.successful_payments - a.successful_payments,
      )[0];
      expect(stats.body).toMatchObject({ currency: main.currency, total_revenue_cents: main.total_revenue_cents });
      expect(stats.body.active_subscriptions).toBeLessThan(stats.body.total_subscriptions);
      const liveStats = await t
        .http()
        .get('/api/v1/payments/stats')
        .query({ test_mode: false })
        .set(dev.auth)
        .expect(200);
      expect(liveStats.body).toMatchObject({
        total_payments: 0,
        total_revenue_cents: 0,
        currency: 'usd',
        revenue_by_currency: [],
      });
    });
  });

  describe('webhook endpoints and rebuild', () => {
    it('a new endpoint listens to every ledger event with a pinned API version; a second call updates it in place', async () => {
      const key = fakeKey('sk_test_');
      stripe.validKeys.add(key);
      const id = await projectWithConfig(t, dev, { test_secret_key: key }, 'Endpoints');
      const first = await t
        .http()
        .post(configPath(id, 'webhook-endpoints'))
        .set(dev.auth)
        .send({ mode: 'test' })
        .expect(201);
      const endpoint = stripe.webhookEndpoints.get(first.body.id)!;
      expect(endpoint.api_version).toBe('2026-07-29.dahlia');
      expect(endpoint.enabled_events).toEqual(
        expect.arrayContaining(['invoice_payment.paid', 'charge.refunded', 'payment_intent.payment_failed']),
      );
      endpoint.enabled_events = ['invoice.paid'];
      const second = await t
        .http()
        .post(configPath(id, 'webhook-endpoints'))
        .set(dev.auth)
        .send({ mode: 'test' })
        .expect(201);
      expect(second.body).toMatchObject({
        id: first.body.id,
        replaced_endpoint_id: null,
        webhook_secret_masked: first.body.webhook_secret_masked,
      });
      expect(stripe.webhookEndpoints.get(first.body.id)!.enabled_events).toEqual(first.body.enabled_events);
      // The secret stayed: a delivery signed with it is still accepted.
      await deliver(t, id, endpoint.secret, stripeEvent('evt_kept', 'invoice.created', T0, {})).expect(200);
    });

    it('ledger:rebuild projects stored events, only upserting: twice gives the same rows', async () => {
      const rebuilt = await createProject(t, dev, 'Rebuilt');
      // Events stored before the ledger existed: rows without any ledger effect.
      for (const [i, event] of lifeCycle('rebuild', userId).entries()) {
        await t.db.query(
          `INSERT INTO stripe_webhook_events (project_id, mode, event_id, event_type, stripe_created_at, payload, payload_size, received_at)
           VALUES ($1, 'test', $2, $3, to_timestamp($4), $5::jsonb, 1, now() - interval '1 hour' + $6 * interval '1 second')`,
          [rebuilt, event.id, event.type, event.created, JSON.stringify(event), 10 - i],
        );
      }
      const events = t.app.get(StripeWebhookEventsRepository);
      const first = await rebuildLedger(dataSource, events, projector, { batchSize: 3 });
      expect(first.events).toBeGreaterThanOrEqual(10);
      const once = await ledgerState(t, rebuilt, 'rebuild');
      const expectedRows = await ledgerState(t, projectId, 'inorder');
      expect(once).toEqual(expectedRows);
      await rebuildLedger(dataSource, events, projector, { batchSize: 50 });
      expect(await ledgerState(t, rebuilt, 'rebuild')).toEqual(once);
    });
  });
});
