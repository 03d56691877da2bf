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

/** Builds the response from masked columns only: no ciphertext or plaintext can reach it. */
export function toStripeConfigResponse(config: StripeConfig): StripeConfigResponse {
  return Object.assign(new StripeConfigResponse(), {
    id: config.id,
    project_id: config.projectId,
    is_active: config.isActive,
    has_test_credentials: config.testSecretKeyEncrypted !== null,
    has_live_credentials: config.liveSecretKeyEncrypted !== null,
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
