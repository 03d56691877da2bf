import type { Client } from 'pg';
import { CredentialCipher } from '../../src/credentials/credential-cipher';
import { credentialContext } from '../../src/stripe-config/stripe-config.entity';
import type { EncryptionKey } from '../../src/credentials/credentials.config';
import { CREDENTIAL_FIELDS, CredentialField } from '../../src/stripe/stripe-keys';

export interface StoredConfigRow {
  id: string;
  project_id: string;
  version: number;
  is_active: boolean;
  test_configured_at: Date | null;
  live_configured_at: Date | null;
  [column: string]: unknown;
}

/** The project's stripe_configs rows, read straight from PostgreSQL. */
export async function storedConfigRows(db: Client, projectId: string): Promise<StoredConfigRow[]> {
  const { rows } = await db.query<StoredConfigRow>('SELECT * FROM stripe_configs WHERE project_id = $1', [projectId]);
  return rows;
}

/** The whole row as JSON text: equal text means nothing stored changed. */
export async function configSnapshot(db: Client, projectId: string): Promise<string | null> {
  const { rows } = await db.query<{ row: string }>(
    'SELECT row_to_json(s)::text AS row FROM stripe_configs s WHERE project_id = $1',
    [projectId],
  );
  return rows[0]?.row ?? null;
}

/** Decrypts every stored credential of a row with the given key ring (null where none is stored). */
export function decryptRow(
  row: StoredConfigRow,
  keys: readonly EncryptionKey[],
): Record<CredentialField, string | null> {
  const cipher = new CredentialCipher(keys);
  return Object.fromEntries(
    CREDENTIAL_FIELDS.map((field) => {
      const stored = row[`${field}_encrypted`] as string | null;
      return [field, stored === null ? null : cipher.decrypt(stored, credentialContext(row.project_id, field))];
    }),
  ) as Record<CredentialField, string | null>;
}
