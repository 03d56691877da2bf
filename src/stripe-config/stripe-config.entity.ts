import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { Project } from '../projects/project.entity';

/**
 * One row per project (unique project_id). Each credential is kept twice: AES-GCM ciphertext
 * (`*_encrypted`, bound to project and field) and its masked form (`*_masked`, e.g. `sk_test_...aBcD`),
 * so reads never need to decrypt.
 */
@Entity({ name: 'stripe_configs' })
@Unique('UQ_stripe_configs_project_id', ['projectId'])
export class StripeConfig {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_stripe_configs_project_id' })
  project?: Project;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'test_secret_key_encrypted', type: 'text', nullable: true })
  testSecretKeyEncrypted: string | null;
  @Column({ name: 'test_secret_key_masked', type: 'varchar', length: 64, nullable: true })
  testSecretKeyMasked: string | null;

  @Column({ name: 'test_publishable_key_encrypted', type: 'text', nullable: true })
  testPublishableKeyEncrypted: string | null;
  @Column({ name: 'test_publishable_key_masked', type: 'varchar', length: 64, nullable: true })
  testPublishableKeyMasked: string | null;

  @Column({ name: 'test_webhook_secret_encrypted', type: 'text', nullable: true })
  testWebhookSecretEncrypted: string | null;
  @Column({ name: 'test_webhook_secret_masked', type: 'varchar', length: 64, nullable: true })
  testWebhookSecretMasked: string | null;

  @Column({ name: 'live_secret_key_encrypted', type: 'text', nullable: true })
  liveSecretKeyEncrypted: string | null;
  @Column({ name: 'live_secret_key_masked', type: 'varchar', length: 64, nullable: true })
  liveSecretKeyMasked: string | null;

  @Column({ name: 'live_publishable_key_encrypted', type: 'text', nullable: true })
  livePublishableKeyEncrypted: string | null;
  @Column({ name: 'live_publishable_key_masked', type: 'varchar', length: 64, nullable: true })
  livePublishableKeyMasked: string | null;

  @Column({ name: 'live_webhook_secret_encrypted', type: 'text', nullable: true })
  liveWebhookSecretEncrypted: string | null;
  @Column({ name: 'live_webhook_secret_masked', type: 'varchar', length: 64, nullable: true })
  liveWebhookSecretMasked: string | null;

  /** The webhook endpoint this service created in the project's Stripe account (POST webhook-endpoints). */
  @Column({ name: 'test_webhook_endpoint_id', type: 'varchar', length: 255, nullable: true })
  testWebhookEndpointId: string | null;

  @Column({ name: 'live_webhook_endpoint_id', type: 'varchar', length: 255, nullable: true })
  liveWebhookEndpointId: string | null;

  /**
   * A creation of the mode's webhook endpoint did not complete (time-out, server error): Stripe may hold
   * an endpoint that was never stored. Cleared once such endpoints were looked for and removed.
   */
  @Column({ name: 'test_webhook_setup_pending', type: 'boolean', default: false })
  testWebhookSetupPending: boolean;

  @Column({ name: 'live_webhook_setup_pending', type: 'boolean', default: false })
  liveWebhookSetupPending: boolean;

  @Column({ name: 'test_configured_at', type: 'timestamptz', nullable: true })
  testConfiguredAt: Date | null;

  @Column({ name: 'live_configured_at', type: 'timestamptz', nullable: true })
  liveConfiguredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Incremented on every change; exposed as the ETag for optimistic concurrency. */
  @VersionColumn({ type: 'integer', default: 1 })
  version: number;
}
