import { Injectable } from '@nestjs/common';
import { CredentialsService } from '../credentials/credentials.service';
import { CREDENTIAL_RULES, type CredentialField, stripeAccountOfKey } from '../stripe/stripe-keys';
import {
  CREDENTIAL_COLUMNS,
  credentialContext,
  type EncryptedProperty,
  type StripeConfig,
} from './stripe-config.entity';
import type { CredentialWrite } from './stripe-config.repository';

/** What reading a stored credential needs: the row's project and its ciphertext columns. */
export type StoredCredentials = Pick<StripeConfig, 'projectId' | EncryptedProperty>;

/**
 * The credentials of a stripe_configs row through CredentialsService: sealed for a write with this
 * table's associated data (credentialContext), the masked form, the fingerprint and, for an API key,
 * the Stripe account it embeds; revealed only for calls to Stripe.
 */
@Injectable()
export class StripeConfigCredentials {
  constructor(private readonly credentials: CredentialsService) {}

  /** Encrypts one credential of a project and derives the columns stored beside it. */
  seal(projectId: string, field: CredentialField, plaintext: string): CredentialWrite {
    const sealed = this.credentials.seal(credentialContext(projectId, field), plaintext);
    const account = CREDENTIAL_RULES[field].kind === 'webhook' ? undefined : stripeAccountOfKey(plaintext);
    return { field, ...sealed, account: account ?? null };
  }

  /** The plaintext of a stored credential (null: none stored); throws CredentialDecryptionError. */
  reveal(config: StoredCredentials, field: CredentialField): string | null {
    return this.credentials.reveal(
      config[CREDENTIAL_COLUMNS[field].encrypted.property],
      credentialContext(config.projectId, field),
    );
  }
}
