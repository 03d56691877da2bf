import { randomBytes } from 'node:crypto';
import type { CiphertextBatch, CiphertextStore } from './ciphertext-store';
import { CredentialCipher, CredentialDecryptionError } from './credential-cipher';
import { CredentialsService } from './credentials.service';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

/** A table of one sealed value per row, in memory: only what rotation calls. */
class OneColumnStore implements CiphertextStore {
  readonly slots = ['value_encrypted'];
  rows = new Map<string, string>();
  constructor(readonly name: string) {}
  countNotUnderKey(prefix: string): Promise<number> {
    return Promise.resolve([...this.rows.values()].filter((v) => !v.startsWith(prefix)).length);
  }
  async withBatchNotUnderKey<T>(
    prefix: string,
    after: string | null,
    limit: number,
    work: (batch: CiphertextBatch) => Promise<T>,
  ): Promise<{ last: string | null; result: T }> {
    const keys = [...this.rows.keys()]
      .filter((k) => !this.rows.get(k)!.startsWith(prefix) && (after === null || k > after))
      .sort()
      .slice(0, limit);
    const rows = keys.map((key) => ({
      key,
      values: [{ slot: 'value_encrypted', context: `${this.name}:${key}`, ciphertext: this.rows.get(key)! }],
    }));
    const result = await work({
      rows,
      swap: (row, swaps) => {
        for (const s of swaps) this.rows.set(row.key, s.fresh);
        return Promise.resolve(true);
      },
    });
    return { last: keys.length ? keys[keys.length - 1] : null, result };
  }
}

describe('CredentialsService', () => {
  const credentials = new CredentialsService(new CredentialCipher([k1]));

  it('seals a value bound to the context its owner gives: ciphertext, masked form, fingerprint, never the plaintext', () => {
    const sealed = credentials.seal('table:p1:test_secret_key', 'sk_test_abcdefgh1234');
    expect(sealed.masked).toBe('sk_test_...1234');
    expect(sealed.ciphertext).toMatch(/^v1:k1:/);
    expect(sealed.ciphertext).not.toContain('abcdefgh');
    expect(sealed.fingerprint).toBe(credentials.fingerprint(sealed.ciphertext));
    expect(new CredentialCipher([k1]).decrypt(sealed.ciphertext, 'table:p1:test_secret_key')).toBe(
      'sk_test_abcdefgh1234',
    );
  });

  it('reveals a value with its own context only; null when none is stored', () => {
    const sealed = credentials.seal('table:p1:live_secret_key', 'rk_live_abcdefgh5678');
    expect(credentials.reveal(sealed.ciphertext, 'table:p1:live_secret_key')).toBe('rk_live_abcdefgh5678');
    expect(credentials.reveal(null, 'table:p1:live_secret_key')).toBeNull();
    expect(() => credentials.reveal(sealed.ciphertext, 'table:p2:live_secret_key')).toThrow(CredentialDecryptionError);
  });

  it('fingerprints a ciphertext as PostgreSQL md5() does, and each write gets another one', () => {
    expect(credentials.fingerprint('v1:k1:abc')).toBe('471c0ad65fb16ff7dfbd3db053f48036');
    const a = credentials.seal('ctx', 'sk_test_abcdefgh1234');
    const b = credentials.seal('ctx', 'sk_test_abcdefgh1234');
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  it('masks like the rest of the service', () => {
    expect(credentials.mask('pk_live_abcdefgh4321')).toBe('pk_live_...4321');
  });

  it('rotates every registered store, each value with the context its store gives', async () => {
    const old = new CredentialCipher([k1]);
    const first = new OneColumnStore('first');
    const second = new OneColumnStore('second');
    first.rows.set('a', old.encrypt('one', 'first:a'));
    second.rows.set('b', old.encrypt('two', 'second:b'));
    second.rows.set('c', old.encrypt('three', 'second:c'));
    const ring = new CredentialCipher([k2, k1]);
    const service = new CredentialsService(ring);
    service.registerCiphertextStore(first);
    service.registerCiphertextStore(second);
    service.registerCiphertextStore(first); // registered once
    const report = await service.rotate();
    expect(report).toMatchObject({ keyId: 'k2', rotated: 3, credentials: 3, failed: 0, remaining: 0 });
    expect(report.columns).toEqual(['value_encrypted', 'value_encrypted']);
    expect(ring.decrypt(second.rows.get('c')!, 'second:c')).toBe('three');
    expect(CredentialCipher.keyIdOf(first.rows.get('a')!)).toBe('k2');
  });
});
