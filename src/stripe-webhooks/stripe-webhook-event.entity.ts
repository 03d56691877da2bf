import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Project } from '../projects/project.entity';
import type { StripeMode } from '../stripe/stripe-keys';

/**
 * A Stripe event received on a project's webhook URL, after its signature was verified. Stored once:
 * a redelivery of the same event (same project, mode and Stripe event id) hits the unique constraint.
 */
@Entity({ name: 'stripe_webhook_events' })
@Unique('UQ_stripe_webhook_events_project_mode_event', ['projectId', 'mode', 'eventId'])
@Index('IDX_stripe_webhook_events_project_received', ['projectId', 'receivedAt'])
// The retention job deletes the oldest events of every project in bounded batches.
@Index('IDX_stripe_webhook_events_received_at', ['receivedAt'])
export class StripeWebhookEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_stripe_webhook_events_id' })
  id: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_stripe_webhook_events_project_id' })
  project?: Project;

  @Column({ type: 'varchar', length: 4 })
  mode: StripeMode;

  /** Stripe's event id, `evt_...`. */
  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 255 })
  eventType: string;

  /** When Stripe created the event (its `created`). */
  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  /** The event as Stripe sent it. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** Bytes of the payload's JSON text: lists leave payloads over LIST_PAYLOAD_MAX_BYTES out. */
  @Column({ name: 'payload_size', type: 'integer' })
  payloadSize: number;
}
