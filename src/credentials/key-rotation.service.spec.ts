import { randomBytes } from 'node:crypto';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import type { CiphertextBatch, CiphertextSwap, StoredCiphertexts } from '../stripe-config/stripe-config.repository';
import { CredentialCipher, credentialContext } from './credential-cipher';
import { CREDENTIAL_FIELDS, type CredentialField } from './credential-fields';
import { KeyRotationService, type RotationStore } from './key-rotation.service';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

/** An in-memory stripe_configs with the two statements rotation uses. */
class FakeStore implements RotationStore {
  rows: StoredCiphertexts[] = [];
  /** Called before each swap: lets a test change a row "concurrently". */
  beforeSwap?: (row: StoredCiphertexts) => void;

  private notUnder(prefix: string, row: StoredCiphertexts): boolean {
    return Object.values(row.ciphertexts).some((v) => v !== null && !v.startsWith(prefix));
  }

  countNotUnderKey(prefix: string): Promise<number> {
    return Promise.resolve(this.rows.filter((r) => this.notUnder(prefix, r)).length);
  }

  async withCiphertextBatch<T>(
    prefix: string,
    after: string | null,
    limit: number,
    work: (batch: CiphertextBatch) => Promise<T>,
  ): Promise<{ last: string | null; result: T }> {
    const rows = this.rows
      .filter((r) => this.notUnder(prefix, r) && (after === null || r.id > after))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((r) => ({ ...r, ciphertexts: { ...r.ciphertexts } }));
    const result = await work({ rows, swap: (row, swaps) => Promise.resolve(this.swap(row, swaps)) });
    return { last: rows.length ? rows[rows.length - 1].id : null, result };
  }

  private swap(read: StoredCiphertexts, swaps: readonly CiphertextSwap[]): boolean {
    const row = this.rows.find((r) => r.id === read.id)!;
    this.beforeSwap?.(row);
    if (row.version !== read.version || swaps.some((s) => row.ciphertexts[s.field] !== s.old)) return false;
    for (const s of swaps) row.ciphertexts[s.field] = s.fresh;
    return true;
  }
}

function storedRow(id: string, cipher: CredentialCipher, fields: CredentialField[]): StoredCiphertexts {
  const projectId = `p-${id}`;
  const ciphertexts = Object.fromEntries(CREDENTIAL_FIELDS.map((f) => [f, null])) as Record<
    CredentialField,
    string | null
  >;
  for (const f of fields) ciphertexts[f] = cipher.encrypt(`${f}-of-${id}`, credentialContext(projectId, f));
  return { id, projectId, version: 1, ciphertexts };
}

describe('KeyRotationService', () => {
  const old = new CredentialCipher([k1]);
  const ring = new CredentialCipher([k2, k1]);

  it('re-encrypts every credential under the first key, in batches, keeping plaintexts and versions', async () => {
    const store = new FakeStore();
    store.rows = ['a', 'b', 'c'].map((id) => storedRow(id, old, ['test_secret_key', 'live_webhook_secret']));
    const batches: number[] = [];
    const report = await new KeyRotationService(store, ring).rotate({
      batchSize: 2,
      onBatch: (c) => batches.push(c.rotated),
    });
    expect(report).toMatchObject({ keyId: 'k2', rotated: 3, credentials: 6, skipped: 0, failed: 0, remaining: 0 });
    expect(report.columns).toEqual(CREDENTIAL_FIELDS.map((f) => `${f}_encrypted`));
    expect(batches).toEqual([2, 1]);
    for (const row of store.rows) {
      expect(row.version).toBe(1);
      const value = row.ciphertexts.test_secret_key!;
      expect(CredentialCipher.keyIdOf(value)).toBe('k2');
      expect(ring.decrypt(value, credentialContext(row.projectId, 'test_secret_key'))).toBe(
        `test_secret_key-of-${row.id}`,
      );
    }
  });

  it('skips a row changed between read and write, and picks it up on the next pass', async () => {
    const store = new FakeStore();
    store.rows = [storedRow('a', old, ['test_secret_key', 'test_publishable_key'])];
    let changed = false;
    store.beforeSwap = (row) => {
      if (changed) return;
      changed = true; // a PUT of test_secret_key under the new key, in between
      row.ciphertexts.test_secret_key = ring.encrypt('new', credentialContext(row.projectId, 'test_secret_key'));
      row.version += 1;
    };
    const service = new KeyRotationService(store, ring);
    expect(await service.runPass()).toEqual({ rotated: 0, credentials: 0, skipped: 1, failed: 0 });
    expect(await service.runPass()).toEqual({ rotated: 1, credentials: 1, skipped: 0, failed: 0 });
    expect(await service.countRemaining()).toBe(0);
  });

  it('counts a credential under a key missing from the ring as failed and leaves it', async () => {
    const store = new FakeStore();
    const k0 = new CredentialCipher([{ id: 'k0', key: randomBytes(32) }]);
    store.rows = [storedRow('a', k0, ['live_secret_key'])];
    const before = store.rows[0].ciphertexts.live_secret_key;
    const report = await new KeyRotationService(store, ring).rotate();
    expect(report).toMatchObject({ rotated: 0, failed: 1, remaining: 1 });
    expect(store.rows[0].ciphertexts.live_secret_key).toBe(before);
  });
});
