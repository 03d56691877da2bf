import { CREDENTIAL_FIELDS, CredentialField } from './stripe-credential-fields';
import { StripeConfigResponse } from './dto/stripe-config.dto';
import { StripeConfig } from './stripe-config.entity';

type CredentialColumns = { encrypted: keyof StripeConfig; masked: keyof StripeConfig };

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Wire field → entity columns, e.g. test_secret_key → testSecretKeyEncrypted / testSecretKeyMasked. */
export const CREDENTIAL_COLUMNS = Object.fromEntries(
  CREDENTIAL_FIELDS.map((field) => [field, { encrypted: `${camel(field)}Encrypted`, masked: `${camel(field)}Masked` }]),
) as Record<CredentialField, CredentialColumns>;

/** Wire field → SQL columns, e.g. test_secret_key → test_secret_key_encrypted / test_secret_key_masked. */
export const CREDENTIAL_SQL_COLUMNS = Object.fromEntries(
  CREDENTIAL_FIELDS.map((field) => [field, { encrypted: `${field}_encrypted`, masked: `${field}_masked` }]),
) as Record<CredentialField, { encrypted: string; masked: string }>;

/** What a response is built from: masked columns and flags only, never ciphertext or plaintext. */
export interface StripeConfigView {
  id: string;
  projectId: string;
  isActive: boolean;
  hasTestCredentials: boolean;
  hasLiveCredentials: boolean;
  testSecretKeyMasked: string | null;
  testPublishableKeyMasked: string | null;
  testWebhookSecretMasked: string | null;
  liveSecretKeyMasked: string | null;
  livePublishableKeyMasked: string | null;
  liveWebhookSecretMasked: string | null;
  testConfiguredAt: Date | null;
  liveConfiguredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/**
 * The select list of a view from raw SQL (`alias` is the stripe_configs alias), each column named
 * `<prefix><column>`; read back with viewOfRow. The ciphertexts are not selected, only tested for null.
 */
export function viewSqlColumns(alias: string, prefix: string): string {
  const masked = CREDENTIAL_FIELDS.map((field) => `${alias}.${field}_masked AS ${prefix}${field}_masked`);
  return [
    `${alias}.id AS ${prefix}id`,
    `${alias}.project_id AS ${prefix}project_id`,
    `${alias}.is_active AS ${prefix}is_active`,
    `(${alias}.test_secret_key_encrypted IS NOT NULL) AS ${prefix}has_test_credentials`,
    `(${alias}.live_secret_key_encrypted IS NOT NULL) AS ${prefix}has_live_credentials`,
    ...masked,
    `${alias}.test_configured_at AS ${prefix}test_configured_at`,
    `${alias}.live_configured_at AS ${prefix}live_configured_at`,
    `${alias}.created_at AS ${prefix}created_at`,
    `${alias}.updated_at AS ${prefix}updated_at`,
    `${alias}.version AS ${prefix}version`,
  ].join(', ');
}

/** The view selected with viewSqlColumns(…, prefix), or null when the row has none (LEFT JOIN miss). */
export function viewOfRow(row: Record<string, unknown>, prefix: string): StripeConfigView | null {
  const get = (column: string) => row[prefix + column];
  if (get('id') === null || get('id') === undefined) return null;
  return {
    id: get('id') as string,
    projectId: get('project_id') as string,
    isActive: get('is_active') as boolean,
    hasTestCredentials: get('has_test_credentials') as boolean,
    hasLiveCredentials: get('has_live_credentials') as boolean,
    testSecretKeyMasked: get('test_secret_key_masked') as string | null,
    testPublishableKeyMasked: get('test_publishable_key_masked') as string | null,
    testWebhookSecretMasked: get('test_webhook_secret_masked') as string | null,
    liveSecretKeyMasked: get('live_secret_key_masked') as string | null,
    livePublishableKeyMasked: get('live_publishable_key_masked') as string | null,
    liveWebhookSecretMasked: get('live_webhook_secret_masked') as string | null,
    testConfiguredAt: get('test_configured_at') as Date | null,
    liveConfiguredAt: get('live_configured_at') as Date | null,
    createdAt: get('created_at') as Date,
    updatedAt: get('updated_at') as Date,
    version: get('version') as number,
  };
}

/** Builds the response from masked columns only: no ciphertext or plaintext can reach it. */
export function toStripeConfigResponse(config: StripeConfigView): StripeConfigResponse {
  return Object.assign(new StripeConfigResponse(), {
    id: config.id,
    project_id: config.projectId,
    is_active: config.isActive,
    has_test_credentials: config.hasTestCredentials,
    has_live_credentials: config.hasLiveCredentials,
    test_secret_key_masked: config.testSecretKeyMasked,
    test_publishable_key_masked: config.testPublishableKeyMasked,
    test_webhook_secret_masked: config.testWebhookSecretMasked,
    live_secret_key_masked: config.liveSecretKeyMasked,
    live_publishable_key_masked: config.livePublishableKeyMasked,
    live_webhook_secret_masked: config.liveWebhookSecretMasked,
    test_configured_at: config.testConfiguredAt,
    live_configured_at: config.liveConfiguredAt,
    created_at: config.createdAt,
    updated_at: config.updatedAt,
  });
}
