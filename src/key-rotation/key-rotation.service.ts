import type { DataSource, EntityManager } from 'typeorm';
import { CredentialCipher } from '../common/crypto/credential-cipher';
import { credentialContext } from '../stripe-config/stripe-config.service';
import type { CredentialField } from '../stripe-config/stripe-credential-fields';

const TABLE = 'stripe_configs';
const ENCRYPTED_SUFFIX = '_encrypted';

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

type Row = { id: string; project_id: string; version: number } & Record<string, string | null>;

/**
 * Re-encrypts every stored credential under the first key of ENCRYPTION_KEYS.
 *
 * - Generic: every `*_encrypted` column of stripe_configs is rotated (found in information_schema),
 *   each with its AAD `credentialContext(project_id, <column without _encrypted>)`.
 * - Resumable: rows are read in id order, in batches that each commit on their own; values already
 *   under the first key are never selected again, so a re-run picks up where an interrupted one stopped.
 * - Safe while the service runs: each row is written with a compare-and-swap
 *   (`WHERE id = $1 AND version = $2 AND <each column> = <value read>`); a row a PUT or DELETE changed
 *   in between matches nothing, is counted as skipped and is picked up by the next pass. The version is
 *   left as it is: the plaintexts did not change, so clients' ETags stay valid.
 */
export class KeyRotationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: CredentialCipher,
  ) {}

  /** Every `*_encrypted` column of stripe_configs, e.g. `test_secret_key_encrypted`. */
  async encryptedColumns(): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1 AND column_name LIKE '%\\_encrypted'
        ORDER BY ordinal_position`,
      [TABLE],
    )) as { column_name: string }[];
    const columns = rows.map((r) => r.column_name);
    for (const column of columns) {
      if (!/^[a-z][a-z0-9_]*$/.test(column)) throw new Error(`Unexpected column name: ${column}`);
    }
    return columns;
  }

  /** Rows holding at least one credential under a key other than the first. */
  async countRemaining(columns?: string[]): Promise<number> {
    const cols = columns ?? (await this.encryptedColumns());
    if (cols.length === 0) return 0;
    const rows = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM ${TABLE} WHERE ${this.needsRotation(cols, '$1')}`,
      [this.currentPrefix()],
    )) as { n: number }[];
    return rows[0].n;
  }

  /** One pass over the table, in batches. */
  async runPass(options: RotationOptions = {}, columns?: string[]): Promise<RotationCounts> {
    const cols = columns ?? (await this.encryptedColumns());
    const batchSize = options.batchSize ?? 100;
    const totals: RotationCounts = { rotated: 0, credentials: 0, skipped: 0, failed: 0 };
    if (cols.length === 0) return totals;
    let cursor: string | null = null;
    for (let batch = 0; options.maxBatches === undefined || batch < options.maxBatches; batch += 1) {
      const counts: RotationCounts = { rotated: 0, credentials: 0, skipped: 0, failed: 0 };
      const last = await this.dataSource.transaction(async (manager) => {
        const rows = await this.selectBatch(manager, cols, cursor, batchSize);
        for (const row of rows) await this.rotateRow(manager, row, cols, counts);
        return rows.length > 0 ? rows[rows.length - 1].id : null;
      });
      if (last === null) break;
      cursor = last;
      for (const key of Object.keys(totals) as (keyof RotationCounts)[]) totals[key] += counts[key];
      options.onBatch?.(counts);
    }
    return totals;
  }

  /** Passes until nothing is skipped (or maxPasses), then counts what is left. */
  async rotate(options: RotationOptions = {}): Promise<RotationReport> {
    const columns = await this.encryptedColumns();
    const maxPasses = options.maxPasses ?? 3;
    const report: RotationReport = {
      keyId: this.cipher.currentKeyId,
      columns,
      passes: 0,
      rotated: 0,
      credentials: 0,
      skipped: 0,
      failed: 0,
      remaining: 0,
    };
    do {
      const pass = await this.runPass(options, columns);
      report.passes += 1;
      report.rotated += pass.rotated;
      report.credentials += pass.credentials;
      report.skipped += pass.skipped;
      report.failed += pass.failed;
      if (pass.skipped === 0) break;
    } while (report.passes < maxPasses);
    report.remaining = await this.countRemaining(columns);
    return report;
  }

  private currentPrefix(): string {
    return `v1:${this.cipher.currentKeyId}:`;
  }

  /** SQL: some column holds a value not under the first key (`prefix` is a bind parameter). */
  private needsRotation(columns: string[], prefix: string): string {
    return `(${columns.map((c) => `("${c}" IS NOT NULL AND left("${c}", length(${prefix})) <> ${prefix})`).join(' OR ')})`;
  }

  private async selectBatch(
    manager: EntityManager,
    columns: string[],
    after: string | null,
    limit: number,
  ): Promise<Row[]> {
    return (await manager.query(
      `SELECT id, project_id, version, ${columns.map((c) => `"${c}"`).join(', ')} FROM ${TABLE}
        WHERE ${this.needsRotation(columns, '$1')} AND ($2::uuid IS NULL OR id > $2::uuid)
        ORDER BY id LIMIT $3`,
      [this.currentPrefix(), after, limit],
    )) as Row[];
  }

  private async rotateRow(manager: EntityManager, row: Row, columns: string[], counts: RotationCounts): Promise<void> {
    const changes: { column: string; old: string; fresh: string }[] = [];
    try {
      for (const column of columns) {
        const old = row[column];
        if (old === null || CredentialCipher.keyIdOf(old) === this.cipher.currentKeyId) continue;
        const context = credentialContext(row.project_id, column.slice(0, -ENCRYPTED_SUFFIX.length) as CredentialField);
        changes.push({ column, old, fresh: this.cipher.encrypt(this.cipher.decrypt(old, context), context) });
      }
    } catch {
      counts.failed += 1;
      return;
    }
    if (changes.length === 0) return;
    const params: unknown[] = [row.id, row.version];
    const set = changes.map((c) => {
      params.push(c.fresh);
      return `"${c.column}" = $${params.length}`;
    });
    const unchanged = changes.map((c) => {
      params.push(c.old);
      return `"${c.column}" = $${params.length}`;
    });
    const [, affected] = (await manager.query(
      `UPDATE ${TABLE} SET ${set.join(', ')} WHERE id = $1 AND version = $2 AND ${unchanged.join(' AND ')}`,
      params,
    )) as [unknown, number];
    if (affected === 1) {
      counts.rotated += 1;
      counts.credentials += changes.length;
    } else {
      counts.skipped += 1;
    }
  }
}
