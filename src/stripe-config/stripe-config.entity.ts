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
import { CREDENTIAL_FIELDS, CREDENTIAL_RULES, type CredentialField, type StripeMode } from '../stripe/stripe-keys';
import { Project } from '../projects/project.entity';

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** Entity property of a credential's ciphertext, e.g. `testSecretKeyEncrypted`. */
export type EncryptedProperty = `${Camel<CredentialField>}Encrypted`;
/** Entity property of a credential's masked form, e.g. `testSecretKeyMasked`. */
export type MaskedProperty = `${Camel<CredentialField>}Masked`;
/** Entity property of a credential's fingerprint, e.g. `testSecretKeyFingerprint`. */
export type FingerprintProperty = `${Camel<CredentialField>}Fingerprint`;
/** The fields holding an API key (secret or publishable), which embeds its Stripe account. */
export type KeyField = Exclude<CredentialField, `${StripeMode}_webhook_secret`>;
/** Entity property of the Stripe account a stored key embeds, e.g. `testSecretKeyAccount`. */
export type AccountProperty = `${Camel<KeyField>}Account`;

/** A column as the entity names it (`property`) and as SQL does (`column`). */
export interface ColumnName<P extends string> {
  property: P;
  column: string;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
function columnName<P extends string>(column: string): ColumnName<P> {
  return { property: camel(column) as P, column };
}

/** The columns a stored credential is kept in. */
export interface CredentialColumns {
  /** AES-GCM ciphertext, bound to the project and field (see credentialContext). */
  encrypted: ColumnName<EncryptedProperty>;
  /** The masked form for responses (`sk_test_...aBcD`). */
  masked: ColumnName<MaskedProperty>;
  /**
   * Identifies the value stored (md5 of its ciphertext as written): changes with every write of the
   * field, not with key rotation. Tells the health check that a key changed without decrypting it.
   */
  fingerprint: ColumnName<FingerprintProperty>;
  /** API keys only: the Stripe account the key embeds (stripeAccountOfKey), null when it cannot be told. */
  account?: ColumnName<AccountProperty>;
}

/**
 * THE map of the credential columns (wire field → its columns): the entity below, every raw statement
 * on stripe_configs and key rotation take their names from here.
 */
export const CREDENTIAL_COLUMNS = Object.fromEntries(
  CREDENTIAL_FIELDS.map((field): [CredentialField, CredentialColumns] => [
    field,
    {
      encrypted: columnName<EncryptedProperty>(`${field}_encrypted`),
      masked: columnName<MaskedProperty>(`${field}_masked`),
      fingerprint: columnName<FingerprintProperty>(`${field}_fingerprint`),
      ...(CREDENTIAL_RULES[field].kind === 'webhook'
        ? {}
        : { account: columnName<AccountProperty>(`${field}_account`) }),
    },
  ]),
) as Record<CredentialField, CredentialColumns>;

/**
 * The associated data of a stored credential (its AAD): binds the ciphertext to its table, project and
 * field, so a value copied to another row or column does not decrypt.
 */
export function credentialContext(projectId: string, field: CredentialField): string {
  return `stripe_configs:${projectId}:${field}`;
}

/** The other per-mode columns, e.g. `test_webhook_endpoint_id`. */
export const MODE_COLUMNS = Object.fromEntries(
  (['test', 'live'] as const).map((mode) => [
    mode,
    {
      webhookEndpointId: columnName<`${StripeMode}WebhookEndpointId`>(`${mode}_webhook_endpoint_id`),
      webhookSetupPending: columnName<`${StripeMode}WebhookSetupPending`>(`${mode}_webhook_setup_pending`),
      configuredAt: columnName<`${StripeMode}ConfiguredAt`>(`${mode}_configured_at`),
    },
  ]),
) as Record<
  StripeMode,
  {
    webhookEndpointId: ColumnName<`${StripeMode}WebhookEndpointId`>;
    webhookSetupPending: ColumnName<`${StripeMode}WebhookSetupPending`>;
    configuredAt: ColumnName<`${StripeMode}ConfiguredAt`>;
  }
>;

const ciphertext = (field: CredentialField) =>
  Column({ name: CREDENTIAL_COLUMNS[field].encrypted.column, type: 'text', nullable: true });
const masked = (field: CredentialField) =>
  Column({ name: CREDENTIAL_COLUMNS[field].masked.column, type: 'varchar', length: 64, nullable: true });
const fingerprint = (field: CredentialField) =>
  Column({ name: CREDENTIAL_COLUMNS[field].fingerprint.column, type: 'varchar', length: 32, nullable: true });
const account = (field: KeyField) =>
  Column({ name: CREDENTIAL_COLUMNS[field].account!.column, type: 'varchar', length: 32, nullable: true });

/**
 * One row per project (unique project_id). Each credential is kept as AES-GCM ciphertext (`*_encrypted`,
 * bound to project and field), its masked form (`*_masked`, e.g. `sk_test_...aBcD`) and its fingerprint
 * (`*_fingerprint`); an API key also with the Stripe account it embeds (`*_account`). So reads, the
 * health report included, never need to decrypt.
 */
@Entity({ name: 'stripe_configs' })
@Unique('UQ_stripe_configs_project_id', ['projectId'])
export class StripeConfig implements Record<
  EncryptedProperty | MaskedProperty | FingerprintProperty | AccountProperty,
  string | null
> {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_stripe_configs_project_id' })
  project?: Project;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @ciphertext('test_secret_key')
  testSecretKeyEncrypted: string | null;
  @masked('test_secret_key')
  testSecretKeyMasked: string | null;
  @fingerprint('test_secret_key')
  testSecretKeyFingerprint: string | null;
  @account('test_secret_key')
  testSecretKeyAccount: string | null;

  @ciphertext('test_publishable_key')
  testPublishableKeyEncrypted: string | null;
  @masked('test_publishable_key')
  testPublishableKeyMasked: string | null;
  @fingerprint('test_publishable_key')
  testPublishableKeyFingerprint: string | null;
  @account('test_publishable_key')
  testPublishableKeyAccount: string | null;

  @ciphertext('test_webhook_secret')
  testWebhookSecretEncrypted: string | null;
  @masked('test_webhook_secret')
  testWebhookSecretMasked: string | null;
  @fingerprint('test_webhook_secret')
  testWebhookSecretFingerprint: string | null;

  @ciphertext('live_secret_key')
  liveSecretKeyEncrypted: string | null;
  @masked('live_secret_key')
  liveSecretKeyMasked: string | null;
  @fingerprint('live_secret_key')
  liveSecretKeyFingerprint: string | null;
  @account('live_secret_key')
  liveSecretKeyAccount: string | null;

  @ciphertext('live_publishable_key')
  livePublishableKeyEncrypted: string | null;
  @masked('live_publishable_key')
  livePublishableKeyMasked: string | null;
  @fingerprint('live_publishable_key')
  livePublishableKeyFingerprint: string | null;
  @account('live_publishable_key')
  livePublishableKeyAccount: string | null;

  @ciphertext('live_webhook_secret')
  liveWebhookSecretEncrypted: string | null;
  @masked('live_webhook_secret')
  liveWebhookSecretMasked: string | null;
  @fingerprint('live_webhook_secret')
  liveWebhookSecretFingerprint: string | null;

  /** The webhook endpoint this service created in the project's Stripe account (POST webhook-endpoints). */
  @Column({ name: MODE_COLUMNS.test.webhookEndpointId.column, type: 'varchar', length: 255, nullable: true })
  testWebhookEndpointId: string | null;

  @Column({ name: MODE_COLUMNS.live.webhookEndpointId.column, type: 'varchar', length: 255, nullable: true })
  liveWebhookEndpointId: string | null;

  /**
   * A creation of the mode's webhook endpoint did not complete (time-out, server error): Stripe may hold
   * an endpoint that was never stored. Cleared once such endpoints were looked for and removed.
   */
  @Column({ name: MODE_COLUMNS.test.webhookSetupPending.column, type: 'boolean', default: false })
  testWebhookSetupPending: boolean;

  @Column({ name: MODE_COLUMNS.live.webhookSetupPending.column, type: 'boolean', default: false })
  liveWebhookSetupPending: boolean;

  @Column({ name: MODE_COLUMNS.test.configuredAt.column, type: 'timestamptz', nullable: true })
  testConfiguredAt: Date | null;

  @Column({ name: MODE_COLUMNS.live.configuredAt.column, type: 'timestamptz', nullable: true })
  liveConfiguredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Incremented on every change; exposed as the ETag for optimistic concurrency. */
  @VersionColumn({ type: 'integer', default: 1 })
  version: number;
}
