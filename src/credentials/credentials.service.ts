import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { maskCredential } from '../stripe/key-masking';
import type { CiphertextStore } from './ciphertext-store';
import { CredentialCipher } from './credential-cipher';
import { KeyRotationService, type RotationOptions, type RotationReport } from './key-rotation.service';

/** A secret ready to store: its ciphertext, its masked form and its fingerprint; never the plaintext. */
export interface SealedSecret {
  ciphertext: string;
  /** `sk_test_...aBcD`: what responses show. */
  masked: string;
  /** md5 of the ciphertext: identifies this stored value (see fingerprint). */
  fingerprint: string;
}

/**
 * Seal, reveal, fingerprint and rotate stored secrets; knows no table. Encrypts with AES-256-GCM under
 * the first key of ENCRYPTION_KEYS, with the associated data (`context`) the owner of the value gives
 * (where it is stored), and masks before a write; decrypts only for calls to Stripe. Key rotation runs
 * over the stores registered with registerCiphertextStore. Decryption failures throw
 * CredentialDecryptionError.
 */
@Injectable()
export class CredentialsService {
  private readonly stores: CiphertextStore[] = [];

  constructor(private readonly cipher: CredentialCipher) {}

  /** Encrypts and masks one secret, bound to `context` (its owner's name for where it is stored). */
  seal(context: string, plaintext: string): SealedSecret {
    const ciphertext = this.cipher.encrypt(plaintext, context);
    return { ciphertext, masked: maskCredential(plaintext), fingerprint: this.fingerprint(ciphertext) };
  }

  /** The plaintext of a stored secret (null: none stored); only for calls to Stripe. */
  reveal(ciphertext: string | null, context: string): string | null {
    return ciphertext === null ? null : this.cipher.decrypt(ciphertext, context);
  }

  /**
   * md5 of a ciphertext: identifies a stored value without decrypting it (the IV is random, so every
   * write gives another one). PostgreSQL's md5() of the column gives the same hex.
   */
  fingerprint(ciphertext: string): string {
    return createHash('md5').update(ciphertext, 'utf8').digest('hex');
  }

  /** `sk_test_abcdef1234` → `sk_test_...1234`. */
  mask(value: string): string {
    return maskCredential(value);
  }

  /** Makes a table's sealed values part of key rotation (each repository that holds ciphertexts). */
  registerCiphertextStore(store: CiphertextStore): void {
    if (!this.stores.includes(store)) this.stores.push(store);
  }

  /** Re-encrypts every value of every registered store under the first key (see KeyRotationService). */
  async rotate(options: RotationOptions = {}): Promise<RotationReport> {
    const report: RotationReport = {
      keyId: this.cipher.currentKeyId,
      columns: [],
      passes: 0,
      rotated: 0,
      credentials: 0,
      skipped: 0,
      failed: 0,
      remaining: 0,
    };
    for (const store of this.stores) {
      const part = await new KeyRotationService(store, this.cipher).rotate(options);
      report.columns.push(...part.columns);
      report.passes = Math.max(report.passes, part.passes);
      for (const key of ['rotated', 'credentials', 'skipped', 'failed', 'remaining'] as const) report[key] += part[key];
    }
    return report;
  }
}
