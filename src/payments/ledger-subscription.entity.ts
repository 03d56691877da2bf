import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { Project } from '../projects/project.entity';

/**
 * A Stripe subscription of a project, as the ledger last knows it: one row per project, mode and Stripe
 * subscription id (nothing one tenant signs can reach another's rows). Two groups of columns move on
 * their own, each kept at the greatest `*_version` seen (see ledger-order.ts): the status, and the
 * details (customer, plan, quantity, period, cancellation).
 */
@Entity({ name: 'ledger_subscriptions' })
@Unique('UQ_ledger_subscriptions_project_mode_stripe_id', ['projectId', 'mode', 'stripeSubscriptionId'])
@Index('IDX_ledger_subscriptions_project_mode_created', ['projectId', 'mode', 'stripeCreatedAt', 'id'])
export class LedgerSubscription {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_ledger_subscriptions_id' })
  id: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_ledger_subscriptions_project_id' })
  project?: Project;

  @Column({ type: 'varchar', length: 4 })
  mode: StripeMode;

  /** Stripe's `sub_...`. */
  @Column({ name: 'stripe_subscription_id', type: 'varchar', length: 255 })
  stripeSubscriptionId: string;

  /** The developer's end user (checkout session `client_reference_id` or `metadata.user_id`, when a UUID). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'customer_id', type: 'varchar', length: 255, nullable: true })
  customerId: string | null;

  @Column({ type: 'varchar', length: 32 })
  status: string;

  /** The first item's price nickname (the plan name when set). */
  @Column({ name: 'price_nickname', type: 'varchar', length: 255, nullable: true })
  priceNickname: string | null;

  /** The first item's product: its name (ledger_product_names) is the plan name when the price has no nickname. */
  @Column({ name: 'product_id', type: 'varchar', length: 255, nullable: true })
  productId: string | null;

  /** Sum of the items' quantities. */
  @Column({ type: 'integer', default: 1 })
  quantity: number;

  @Column({ name: 'current_period_start', type: 'timestamptz', nullable: true })
  currentPeriodStart: Date | null;

  @Column({ name: 'current_period_end', type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null;

  @Column({ name: 'cancel_at', type: 'timestamptz', nullable: true })
  cancelAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  /** Stripe's `created` of the subscription (of the first event naming it, until the subscription itself arrives). */
  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt: Date;

  @Column({ name: 'status_version', type: 'bigint' })
  statusVersion: string;

  @Column({ name: 'status_event_id', type: 'varchar', length: 255 })
  statusEventId: string;

  @Column({ name: 'details_version', type: 'bigint' })
  detailsVersion: string;

  @Column({ name: 'details_event_id', type: 'varchar', length: 255 })
  detailsEventId: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
