import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import { auditEntry, type AuditActor } from '../audit/audit-log.repository';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import { CREDENTIAL_COLUMNS, type EncryptedProperty, type StripeConfig } from '../stripe-config/stripe-config.entity';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import { type CredentialWrite, StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { CredentialCipher, credentialContext } from './credential-cipher';
import type { CredentialField, StripeMode } from './credential-fields';
import { KeyRotationService, type RotationOptions, type RotationReport } from './key-rotation.service';
import { maskCredential } from './mask';

/** A credential ready to store: its ciphertext (bound to project and field) and its masked form. */
export type SealedCredential = CredentialWrite;

/** What reading a stored credential needs: the row's project and its ciphertext columns. */
export type StoredCredentials = Pick<StripeConfig, 'projectId' | EncryptedProperty>;

/**
 * The one API over stored credentials. Encrypts (AES-256-GCM, first key of ENCRYPTION_KEYS, the project
 * and field as associated data) and masks before a write, decrypts only for calls to Stripe, stores a
 * webhook signing secret, rotates keys. Decryption failures throw CredentialDecryptionError.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly cipher: CredentialCipher,
    private readonly configs: StripeConfigRepository,
  ) {}

  /** Encrypts and masks one credential of a project, for StripeConfigRepository.writeCredentials. */
  seal(projectId: string, field: CredentialField, plaintext: string): SealedCredential {
    return {
      field,
      ciphertext: this.cipher.encrypt(plaintext, credentialContext(projectId, field)),
      masked: maskCredential(plaintext),
    };
  }

  /** The plaintext of a stored credential (null: none stored); only for calls to Stripe. */
  reveal(config: StoredCredentials, field: CredentialField): string | null {
    const stored = config[CREDENTIAL_COLUMNS[field].encrypted.property];
    return stored === null ? null : this.cipher.decrypt(stored, credentialContext(config.projectId, field));
  }

  /**
   * md5 of a stored credential's ciphertext (null: none stored): tells that the stored value changed,
   * without decrypting. PostgreSQL's md5() of the column gives the same hex.
   */
  fingerprint(config: StoredCredentials | null | undefined, field: CredentialField): string | null {
    const stored = config?.[CREDENTIAL_COLUMNS[field].encrypted.property];
    return stored ? createHash('md5').update(stored, 'utf8').digest('hex') : null;
  }

  /** `sk_test_abcdef1234` → `sk_test_...1234`. */
  mask(value: string): string {
    return maskCredential(value);
  }

  /**
   * Stores the signing secret Stripe returned for the webhook endpoint it created, with the endpoint's
   * id, as an audited update of the configuration. Returns the masked secret, or null when the project
   * has no configuration (nothing stored).
   */
  async storeWebhookSecret(
    projectId: string,
    mode: StripeMode,
    endpointId: string,
    secret: string,
    actor: AuditActor,
  ): Promise<string | null> {
    const field: CredentialField = `${mode}_webhook_secret`;
    const sealed = this.seal(projectId, field, secret);
    const stored = await this.configs.storeWebhookSecret(
      projectId,
      mode,
      endpointId,
      sealed,
      auditEntry(actor, [field]),
    );
    return stored ? sealed.masked : null;
  }

  /** Re-encrypts every stored credential under the first key (see KeyRotationService). */
  rotate(options: RotationOptions = {}): Promise<RotationReport> {
    return new KeyRotationService(this.configs, this.cipher).rotate(options);
  }
}
