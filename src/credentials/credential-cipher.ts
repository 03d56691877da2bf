import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './credentials.config';

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
/** GCM accepts tags of 4 to 16 bytes unless told otherwise; a shorter tag is far easier to forge. */
const TAG_BYTES = 16;

/** Random bytes drawn from the CSPRNG 4 KB at a time: one randomFillSync per ~340 IVs, not one per value. */
const IV_POOL_BYTES = 4096;
let ivPool = Buffer.alloc(0);
let ivPoolOffset = 0;

/**
 * A fresh random 96-bit IV. The same CSPRNG output as one randomBytes(12) per call (each byte is used
 * once), only fetched in bulk: a randomBytes call per encryption was a visible share of its CPU
 * (docs/benchmarks.md).
 */
function nextIv(): Buffer {
  if (ivPoolOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivPoolOffset = 0;
  }
  // A copy, so that no two values ever share the pool's memory.
  const iv = Buffer.from(ivPool.subarray(ivPoolOffset, ivPoolOffset + IV_BYTES));
  ivPoolOffset += IV_BYTES;
  return iv;
}

/** Thrown when a stored value cannot be decrypted: wrong key, tampered, or moved to another row/field. */
export class CredentialDecryptionError extends Error {
  constructor(reason: string) {
    super(`Stored credential could not be decrypted: ${reason}`);
    this.name = 'CredentialDecryptionError';
  }
}

/**
 * AES-256-GCM with a random IV per value. The additional authenticated data binds each
 * ciphertext to where it is stored (the `context` its owner gives, e.g. table, row and column), so a
 * ciphertext copied to another row or column fails authentication instead of decrypting.
 *
 * Stored format: `v1:<keyId>:<iv b64>:<ciphertext b64>:<tag b64>`; the key id lets old values
 * decrypt after a new key is put first in ENCRYPTION_KEYS.
 */
export class CredentialCipher {
  constructor(private readonly keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('CredentialCipher needs at least one key');
  }

  get currentKeyId(): string {
    return this.keys[0].id;
  }

  encrypt(plaintext: string, context: string): string {
    const { id, key } = this.keys[0];
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, id, iv.toString('base64'), ciphertext.toString('base64'), tag.toString('base64')].join(':');
  }

  decrypt(stored: string, context: string): string {
    const parts = stored.split(':');
    if (parts.length !== 5 || parts[0] !== FORMAT_VERSION) throw new CredentialDecryptionError('unknown format');
    const [, keyId, ivB64, ctB64, tagB64] = parts;
    const entry = this.keys.find((k) => k.id === keyId);
    if (!entry) throw new CredentialDecryptionError(`key "${keyId}" is not in ENCRYPTION_KEYS`);
    const iv = Buffer.from(ivB64, 'base64');
    const tag = Buffer.from(tagB64, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new CredentialDecryptionError('malformed value');
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialDecryptionError('authentication failed');
    }
  }

  /** The key id a stored value was written with (used by key rotation). */
  static keyIdOf(stored: string): string | undefined {
    const parts = stored.split(':');
    return parts.length === 5 ? parts[1] : undefined;
  }
}
