import { randomBytes } from 'node:crypto';
import type { CiphertextBatch, CiphertextStore, CiphertextSwap, SealedRow } from './ciphertext-store';
import { CredentialCipher } from './credential-cipher';
import { KeyRotationService } from './key-rotation.service';

const FIELDS = ['secret', 'publishable', 'webhook'] as const;
type Field = (typeof FIELDS)[number];
const context = (projectId: string, field: Field) => `table:${projectId}:${field}`;

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

interface Row {
  id: string;
  projectId: string;
  version: number;
  ciphertexts: Record<Field, string | null>;
}

/** An in-memory table with the two statements rotation uses, as a store gives them. */
class FakeStore implements CiphertextStore {
  readonly name = 'table';
  readonly slots = FIELDS.map((f) => `${f}_encrypted`);
  rows: Row[] = [];
  /** Called before each swap: lets a test change a row "concurrently". */
  beforeSwap?: (row: Row) => void;

  private notUnder(prefix: string, row: Row): boolean {
    return Object.values(row.ciphertexts).some((v) => v !== null && !v.startsWith(prefix));
  }

  countNotUnderKey(prefix: string): Promise<number> {
    return Promise.resolve(this.rows.filter((r) => this.notUnder(prefix, r)).length);
  }

  async withBatchNotUnderKey<T>(
    prefix: string,
    after: string | null,
    limit: number,
    work: (batch: CiphertextBatch) => Promise<T>,
  ): Promise<{ last: string | null; result: T }> {
    const read = this.rows
      .filter((r) => this.notUnder(prefix, r) && (after === null || r.id > after))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((r) => ({ ...r, ciphertexts: { ...r.ciphertexts } }));
    const rows: SealedRow[] = read.map((r) => ({
      key: r.id,
      values: FIELDS.flatMap((f) => {
        const ciphertext = r.ciphertexts[f];
        return ciphertext === null ? [] : [{ slot: `${f}_encrypted`, context: context(r.projectId, f), ciphertext }];
      }),
    }));
    const swap = (row: SealedRow, swaps: readonly CiphertextSwap[]) =>
      Promise.resolve(
        this.swap(
          read.find((r) => r.id === row.key)!,
          swaps,
        ),
      );
    const result = await work({ rows, swap });
    return { last: read.length ? read[read.length - 1].id : null, result };
  }

  private swap(read: Row, swaps: readonly CiphertextSwap[]): boolean {
    const row = this.rows.find((r) => r.id === read.id)!;
    this.beforeSwap?.(row);
    const field = (s: CiphertextSwap) => s.slot.replace('_encrypted', '') as Field;
    if (row.version !== read.version || swaps.some((s) => row.ciphertexts[field(s)] !== s.old)) return false;
    for (const s of swaps) row.ciphertexts[field(s)] = s.fresh;
    return true;
  }
}

function storedRow(id: string, cipher: CredentialCipher, fields: Field[]): Row {
  const projectId = `p-${id}`;
  const ciphertexts: Record<Field, string | null> = { secret: null, publishable: null, webhook: null };
  for (const f of fields) ciphertexts[f] = cipher.encrypt(`${f}-of-${id}`, context(projectId, f));
  return { id, projectId, version: 1, ciphertexts };
}

describe('KeyRotationService', () => {
  const old = new CredentialCipher([k1]);
  const ring = new CredentialCipher([k2, k1]);

  it('re-encrypts every credential under the first key, in batches, keeping plaintexts and versions', async () => {
    const store = new FakeStore();
    store.rows = ['a', 'b', 'c'].map((id) => storedRow(id, old, ['secret', 'webhook']));
    const batches: number[] = [];
    const report = await new KeyRotationService(store, ring).rotate({
      batchSize: 2,
      onBatch: (c) => batches.push(c.rotated),
    });
    expect(report).toMatchObject({ keyId: 'k2', rotated: 3, credentials: 6, skipped: 0, failed: 0, remaining: 0 });
    expect(report.columns).toEqual(['secret_encrypted', 'publishable_encrypted', 'webhook_encrypted']);
    expect(batches).toEqual([2, 1]);
    for (const row of store.rows) {
      expect(row.version).toBe(1);
      const value = row.ciphertexts.secret!;
      expect(CredentialCipher.keyIdOf(value)).toBe('k2');
      expect(ring.decrypt(value, context(row.projectId, 'secret'))).toBe(`secret-of-${row.id}`);
    }
  });

  it('skips a row changed between read and write, and picks it up on the next pass', async () => {
    const store = new FakeStore();
    store.rows = [storedRow('a', old, ['secret', 'publishable'])];
    let changed = false;
    store.beforeSwap = (row) => {
      if (changed) return;
      changed = true; // a write of the secret under the new key, in between
      row.ciphertexts.secret = ring.encrypt('new', context(row.projectId, 'secret'));
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
    store.rows = [storedRow('a', k0, ['secret'])];
    const before = store.rows[0].ciphertexts.secret;
    const report = await new KeyRotationService(store, ring).rotate();
    expect(report).toMatchObject({ rotated: 0, failed: 1, remaining: 1 });
    expect(store.rows[0].ciphertexts.secret).toBe(before);
  });
});
