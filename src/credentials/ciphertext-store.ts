/**
 * What key rotation needs from a table that holds sealed values: read them in batches, write back the
 * re-encrypted ones with a compare-and-swap. Declared here, implemented by the repository that owns
 * the table (StripeConfigRepository today); CredentialsService.registerCiphertextStore makes one known.
 * The credentials service knows no table: each store names its values and gives their associated data.
 */
export interface CiphertextStore {
  /** What the store holds, for the rotation report (e.g. `stripe_configs`). */
  readonly name: string;
  /** Where its sealed values live (e.g. column names), for the rotation report. */
  readonly slots: readonly string[];
  /** Rows holding at least one value not under the key whose values start with `keyPrefix`. */
  countNotUnderKey(keyPrefix: string): Promise<number>;
  /**
   * One transaction reading up to `limit` rows (in key order, after `after`) that hold a value not
   * under `keyPrefix`, in which `work` may swap their values. Returns the last key read (null: none
   * left) and what `work` returned.
   */
  withBatchNotUnderKey<T>(
    keyPrefix: string,
    after: string | null,
    limit: number,
    work: (batch: CiphertextBatch) => Promise<T>,
  ): Promise<{ last: string | null; result: T }>;
}

/** One sealed value of a row: where it is kept, the associated data it was sealed with, the ciphertext. */
export interface SealedValue {
  slot: string;
  context: string;
  ciphertext: string;
}

/** A row as rotation reads it: its key (rows are read in key order) and its stored values. */
export interface SealedRow {
  key: string;
  values: readonly SealedValue[];
}

/** One re-encrypted value of a row: written only if the row still holds `old`. */
export interface CiphertextSwap {
  slot: string;
  old: string;
  fresh: string;
}

export interface CiphertextBatch {
  rows: readonly SealedRow[];
  /**
   * Compare-and-swap of a row's values, in the batch's transaction: false when the row changed since
   * it was read (nothing written). The stored plaintexts are the same, so the store keeps the row's
   * version as it is.
   */
  swap(row: SealedRow, swaps: readonly CiphertextSwap[]): Promise<boolean>;
}
