// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import { CREDENTIAL_COLUMNS } from '../stripe-config/stripe-config.entity';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import type {
  CiphertextSwap,
  StoredCiphertexts,
  StripeConfigRepository,
} from '../stripe-config/stripe-config.repository';
import { CredentialCipher, credentialContext } from './credential-cipher';
import { CREDENTIAL_FIELDS } from './credential-fields';

export interface RotationCounts {
  /** Rows whose credentials were re-encrypted under the first key. */
  rotated: number;
  /** Credentials (columns) re-encrypted. */
  credentials: number;
  /** Rows changed concurrently between read and write: left as they are, for the next pass. */
  skipped: number;
  /** Rows with a credential that could not be decrypted (key missing from ENCRYPTION_KEYS, or tampered). */
  failed: number;
}

export interface RotationReport extends RotationCounts {
  keyId: string;
  columns: string[];
  passes: number;
  /** Rows still holding a credential under another key when the run ended. */
  remaining: number;
}

export interface RotationOptions {
  /** Rows per batch; each batch commits on its own. */
  batchSize?: number;
  /** Stop a pass after this many batches (an interrupted run; the next run resumes). */
  maxBatches?: number;
  /** Passes to run while rows keep being skipped. */
  maxPasses?: number;
  onBatch?: (counts: RotationCounts) => void;
}

/** The statements rotation runs (StripeConfigRepository's). */
export type RotationStore = Pick<StripeConfigRepository, 'countNotUnderKey' | 'withCiphertextBatch'>;

/**
 * Re-encrypts every stored credential under the first key of ENCRYPTION_KEYS. Called through
 * CredentialsService.rotate (scripts/rotate-keys.ts); the statements are StripeConfigRepository's.
 *
 * - Generic: every credential column of stripe_configs is rotated (CREDENTIAL_COLUMNS, the entity's
 *   column map), each with its associated data `credentialContext(project_id, field)`.
 * - Resumable: rows are read in id order, in batches that each commit on their own; values already
 *   under the first key are never selected again, so a re-run picks up where an interrupted one stopped.
 * - Safe while the service runs: each row is written with a compare-and-swap
 *   (`WHERE id = $1 AND version = $2 AND <each column> = <value read>`); a row a PUT or DELETE changed
 *   in between matches nothing, is counted as skipped and is picked up by the next pass. The version is
 *   left as it is: the plaintexts did not change, so clients' ETags stay valid.
 */
export class KeyRotationService {
  constructor(
    private readonly store: RotationStore,
    private readonly cipher: CredentialCipher,
  ) {}

  /** Every ciphertext column of stripe_configs, e.g. `test_secret_key_encrypted`. */
  encryptedColumns(): string[] {
    return CREDENTIAL_FIELDS.map((field) => CREDENTIAL_COLUMNS[field].encrypted.column);
  }

  /** Rows holding at least one credential under a key other than the first. */
  countRemaining(): Promise<number> {
    return this.store.countNotUnderKey(this.currentPrefix());
  }

  /** One pass over the table, in batches. */
  async runPass(options: RotationOptions = {}): Promise<RotationCounts> {
    const batchSize = options.batchSize ?? 100;
    const totals: RotationCounts = { rotated: 0, credentials: 0, skipped: 0, failed: 0 };
    let cursor: string | null = null;
    for (let batch = 0; options.maxBatches === undefined || batch < options.maxBatches; batch += 1) {
      const counts: RotationCounts = { rotated: 0, credentials: 0, skipped: 0, failed: 0 };
      const { last }: { last: string | null } = await this.store.withCiphertextBatch(
        this.currentPrefix(),
        cursor,
        batchSize,
        async (b) => {
          for (const row of b.rows) await this.rotateRow(row, (swaps) => b.swap(row, swaps), counts);
        },
      );
      if (last === null) break;
      cursor = last;
      for (const key of Object.keys(totals) as (keyof RotationCounts)[]) totals[key] += counts[key];
      options.onBatch?.(counts);
    }
    return totals;
  }

  /** Passes until nothing is skipped (or maxPasses), then counts what is left. */
  async rotate(options: RotationOptions = {}): Promise<RotationReport> {
    const maxPasses = options.maxPasses ?? 3;
    const report: RotationReport = {
      keyId: this.cipher.currentKeyId,
      columns: this.encryptedColumns(),
      passes: 0,
      rotated: 0,
      credentials: 0,
      skipped: 0,
      failed: 0,
      remaining: 0,
    };
    do {
      const pass = await this.runPass(options);
      report.passes += 1;
      report.rotated += pass.rotated;
      report.credentials += pass.credentials;
      report.skipped += pass.skipped;
      report.failed += pass.failed;
      if (pass.skipped === 0) break;
    } while (report.passes < maxPasses);
    report.remaining = await this.countRemaining();
    return report;
  }

  /** What every value under the first key starts with. */
  private currentPrefix(): string {
    return `v1:${this.cipher.currentKeyId}:`;
  }

  private async rotateRow(
    row: StoredCiphertexts,
    swap: (swaps: CiphertextSwap[]) => Promise<boolean>,
    counts: RotationCounts,
  ): Promise<void> {
    const swaps: CiphertextSwap[] = [];
    try {
      for (const field of CREDENTIAL_FIELDS) {
        const old = row.ciphertexts[field];
        if (old === null || CredentialCipher.keyIdOf(old) === this.cipher.currentKeyId) continue;
        const context = credentialContext(row.projectId, field);
        swaps.push({ field, old, fresh: this.cipher.encrypt(this.cipher.decrypt(old, context), context) });
      }
    } catch {
      counts.failed += 1;
      return;
    }
    if (swaps.length === 0) return;
    if (await swap(swaps)) {
      counts.rotated += 1;
      counts.credentials += swaps.length;
    } else {
      counts.skipped += 1;
    }
  }
}
