import { randomBytes } from 'node:crypto';
import { CredentialCipher, CredentialDecryptionError } from './credential-cipher';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('CredentialCipher', () => {
  it('round-trips a value for the same context', () => {
    const cipher = new CredentialCipher([k1]);
    const stored = cipher.encrypt('sk_test_abcdefgh1234', 'p1:test_secret_key');
    expect(stored).toMatch(/^v1:k1:/);
    expect(stored).not.toContain('abcdefgh1234');
    expect(cipher.decrypt(stored, 'p1:test_secret_key')).toBe('sk_test_abcdefgh1234');
  });

  it('uses a fresh IV each time', () => {
    const cipher = new CredentialCipher([k1]);
    expect(cipher.encrypt('same', 'ctx')).not.toBe(cipher.encrypt('same', 'ctx'));
  });

  it('never repeats an IV across more values than one pool of random bytes holds', () => {
    const cipher = new CredentialCipher([k1]);
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) ivs.add(cipher.encrypt('sk_test_abcdefgh1234', 'ctx').split(':')[2]);
    expect(ivs.size).toBe(1000);
  });

  it('refuses a ciphertext moved to another project or field', () => {
    const cipher = new CredentialCipher([k1]);
    const stored = cipher.encrypt('sk_test_abcdefgh1234', 'p1:test_secret_key');
    expect(() => cipher.decrypt(stored, 'p2:test_secret_key')).toThrow(CredentialDecryptionError);
    expect(() => cipher.decrypt(stored, 'p1:live_secret_key')).toThrow(CredentialDecryptionError);
  });

  it('refuses a tampered ciphertext', () => {
    const cipher = new CredentialCipher([k1]);
    const parts = cipher.encrypt('sk_test_abcdefgh1234', 'ctx').split(':');
    const ct = Buffer.from(parts[3], 'base64');
    ct[0] ^= 1;
    parts[3] = ct.toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'ctx')).toThrow(CredentialDecryptionError);
  });

  it.each([4, 8, 12, 15])(
    'refuses an authentication tag truncated to %i bytes (only 16-byte tags are accepted)',
    (bytes) => {
      const cipher = new CredentialCipher([k1]);
      const parts = cipher.encrypt('sk_test_abcdefgh1234', 'ctx').split(':');
      parts[4] = Buffer.from(parts[4], 'base64').subarray(0, bytes).toString('base64');
      expect(() => cipher.decrypt(parts.join(':'), 'ctx')).toThrow(CredentialDecryptionError);
    },
  );

  it('refuses an IV that is not 12 bytes', () => {
    const cipher = new CredentialCipher([k1]);
    const parts = cipher.encrypt('sk_test_abcdefgh1234', 'ctx').split(':');
    parts[2] = Buffer.concat([Buffer.from(parts[2], 'base64'), Buffer.alloc(4)]).toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'ctx')).toThrow(CredentialDecryptionError);
  });

  it('encrypts with the first key and decrypts with any key of the ring', () => {
    const old = new CredentialCipher([k1]).encrypt('value', 'ctx');
    const rotated = new CredentialCipher([k2, k1]);
    expect(rotated.decrypt(old, 'ctx')).toBe('value');
    expect(rotated.encrypt('value', 'ctx')).toMatch(/^v1:k2:/);
    expect(() => new CredentialCipher([k2]).decrypt(old, 'ctx')).toThrow(/not in ENCRYPTION_KEYS/);
  });
});
