import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { Project } from '../projects/project.entity';

/**
 * One payment of a project: one row per project, mode and payment intent, whichever events (invoice,
 * invoice_payment, payment_intent, charge) told of it, so its revenue is counted once. Until an event
 * links it to its payment intent, a payment known only from a 2025+ invoice is keyed by the invoice id
 * (then merged into the payment intent's row).
 */
@Entity({ name: 'ledger_payments' })
@Unique('UQ_ledger_payments_project_mode_payment_intent', ['projectId', 'mode', 'paymentIntentId'])
@Index('UQ_ledger_payments_project_mode_invoice', ['projectId', 'mode', 'invoiceId'], {
  unique: true,
  where: '"invoice_id" IS NOT NULL',
})
@Index('IDX_ledger_payments_project_mode_created', ['projectId', 'mode', 'stripeCreatedAt', 'id'])
export class LedgerPayment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_ledger_payments_id' })
  id: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_ledger_payments_project_id' })
  project?: Project;

  @Column({ type: 'varchar', length: 4 })
  mode: StripeMode;

  /** `pi_...`; a charge without payment intent is keyed by its `ch_...`, an unlinked 2025+ invoice by its `in_...`. */
  @Column({ name: 'payment_intent_id', type: 'varchar', length: 255 })
  paymentIntentId: string;

  @Column({ name: 'invoice_id', type: 'varchar', length: 255, nullable: true })
  invoiceId: string | null;

  /** Stripe's `sub_...`: the response's subscription_id is the ledger id of that subscription's row. */
  @Column({ name: 'stripe_subscription_id', type: 'varchar', length: 255, nullable: true })
  stripeSubscriptionId: string | null;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 32 })
  status: string;

  /** In the currency's minor unit. */
  @Column({ name: 'amount_cents', type: 'bigint' })
  amountCents: string;

  /** ISO code, lower case. */
  @Column({ type: 'varchar', length: 3 })
  currency: string;

  /** From the greatest (version, event id) of the events that carry one: an event without it keeps it. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  /** Only grows: the largest refunded amount any event reported. */
  @Column({ name: 'refunded_amount_cents', type: 'bigint', default: 0 })
  refundedAmountCents: string;

  /** The smallest Stripe `created` of the objects that told of this payment. */
  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt: Date;

  @Column({ name: 'status_version', type: 'bigint' })
  statusVersion: string;

  @Column({ name: 'status_event_id', type: 'varchar', length: 255 })
  statusEventId: string;

  /** The (version, event id) of the event whose description is kept: -1 and '' while none carried one. */
  @Column({ name: 'description_version', type: 'bigint', default: -1 })
  descriptionVersion: string;

  @Column({ name: 'description_event_id', type: 'varchar', length: 255, default: '' })
  descriptionEventId: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
