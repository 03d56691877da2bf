import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { AuditEntry, auditEntryValues, auditInsertSql } from '../audit/audit-log.repository';
import { CREDENTIAL_FIELDS, CredentialField, StripeMode } from '../credentials/credential-fields';
import { PreparedStatement, SqlClient } from '../database/sql-client';
import { CREDENTIAL_COLUMNS, MODE_COLUMNS, StripeConfig } from './stripe-config.entity';
import { StripeConfigView, viewOfRow, viewSqlColumns } from './stripe-config.mapper';

/** One credential to store: its ciphertext and the masked form kept for responses (see CredentialsService.seal). */
export interface CredentialWrite {
  field: CredentialField;
  ciphertext: string;
  masked: string;
}

export type CredentialsWriteResult =
  | { outcome: 'written'; view: StripeConfigView; isNew: boolean }
  /** If-Match did not match: nothing written. `currentVersion` null when there is no config. */
  | { outcome: 'precondition-failed'; currentVersion: number | null };

export type DeactivateResult =
  | { outcome: 'deactivated' }
  | { outcome: 'not-found' }
  /** If-Match did not match: nothing changed. `currentVersion` null when there is no config. */
  | { outcome: 'precondition-failed'; currentVersion: number | null };

/** A row's ciphertexts as key rotation reads them (null: none stored). */
export interface StoredCiphertexts {
  id: string;
  projectId: string;
  version: number;
  ciphertexts: Record<CredentialField, string | null>;
}

/** One re-encrypted credential of a row: written only if the row still holds `old`. */
export interface CiphertextSwap {
  field: CredentialField;
  old: string;
  fresh: string;
}

/** The reads and writes key rotation needs (see CredentialsService and KeyRotationService). */
export interface CiphertextBatch {
  rows: StoredCiphertexts[];
  /** Compare-and-swap of a row's ciphertexts, in the batch's transaction; false when the row changed since it was read. */
  swap(row: StoredCiphertexts, swaps: readonly CiphertextSwap[]): Promise<boolean>;
}

const CREDENTIAL_PARAMS = CREDENTIAL_FIELDS.map((field, i) => ({
  encrypted: CREDENTIAL_COLUMNS[field].encrypted.column,
  masked: CREDENTIAL_COLUMNS[field].masked.column,
  encryptedParam: `$${2 + 2 * i}`,
  maskedParam: `$${3 + 2 * i}`,
}));
const P = 2 + 2 * CREDENTIAL_FIELDS.length; // first parameter after the credentials
const TEST_CONFIGURED_AT = MODE_COLUMNS.test.configuredAt.column;
const LIVE_CONFIGURED_AT = MODE_COLUMNS.live.configuredAt.column;

/** The partial update of the credentials: a null parameter keeps the stored column (of the newest row version). */
const SET_CREDENTIALS = `
    ${CREDENTIAL_PARAMS.map((c) => `${c.encrypted} = COALESCE(${c.encryptedParam}::text, c.${c.encrypted}), ${c.masked} = COALESCE(${c.maskedParam}::varchar, c.${c.masked})`).join(',\n    ')},
    ${TEST_CONFIGURED_AT} = CASE WHEN $${P}::boolean THEN now() ELSE c.${TEST_CONFIGURED_AT} END,
    ${LIVE_CONFIGURED_AT} = CASE WHEN $${P + 1}::boolean THEN now() ELSE c.${LIVE_CONFIGURED_AT} END,
    is_active = true, updated_at = now(), version = c.version + 1`;
/** If-Match: not given, `*`, or one of the listed versions of the row read as `old`. */
const IF_MATCH_HOLDS = `(NOT $${P + 2}::boolean OR $${P + 3}::int[] IS NULL OR old.version = ANY($${P + 3}::int[]))`;
/** The audit entry of the row in `written` (none when nothing was written), in the same statement. */
const AUDIT_WRITTEN = `audited AS (
  ${auditInsertSql({
    projectId: 'project_id',
    action: `CASE WHEN was_active IS NULL THEN 'create' ELSE 'update' END`,
    entry: P + 4,
    // A write on an inactive config reactivates it: recorded as a change of is_active too.
    changedFields: (fields) =>
      `CASE WHEN was_active = false THEN ${fields} || '{is_active}'::text[] ELSE ${fields} END`,
    from: 'written',
  })}
)
SELECT 'written' AS outcome, (w.was_active IS NULL) AS is_new, NULL::int AS current_version, ${viewSqlColumns('w', 'c_')}
FROM written w`;

/**
 * PUT config on an existing row, the usual case, in ONE statement without a row lock: read the row
 * (`old`), check If-Match against it, update it only if its version is still the one read
 * (`c.version = old.version`, re-checked by PostgreSQL on the newest row version if another writer
 * got there first), and write the audit entry. So If-Match and `was_active` are exact, and the
 * partial update merges into the newest row. Outcomes: `written`; `precondition-failed`; `conflict`
 * (the row changed between the read and the update: nothing written, the caller runs
 * WRITE_CREDENTIALS, which queues on the row lock); no row at all when there is no config yet.
 * Without the lock and the insert branch it costs PostgreSQL less CPU and WAL than
 * WRITE_CREDENTIALS (docs/benchmarks.md). Same parameters as WRITE_CREDENTIALS.
 */
const UPDATE_CREDENTIALS: PreparedStatement = {
  name: 'stripe_config_update_credentials',
  text: `
WITH old AS (
  SELECT id, is_active, version FROM stripe_configs WHERE project_id = $1
), written AS (
  UPDATE stripe_configs c SET ${SET_CREDENTIALS}
  FROM old
  WHERE c.id = old.id AND c.version = old.version AND ${IF_MATCH_HOLDS}
  RETURNING c.*, old.is_active AS was_active
), ${AUDIT_WRITTEN}
UNION ALL
SELECT CASE WHEN ${IF_MATCH_HOLDS} THEN 'conflict' ELSE 'precondition-failed' END, NULL, old.version, ${viewSqlColumns('x', 'c_')}
FROM old LEFT JOIN stripe_configs x ON false
WHERE NOT EXISTS (SELECT 1 FROM written)`,
};

/**
 * PUT config in ONE statement (one round trip, atomic), for a first write or after a `conflict` of
 * UPDATE_CREDENTIALS: lock the row if there is one, check If-Match against the locked version,
 * insert or partially update, and write the audit entry. Concurrent writers queue on the row lock,
 * so partial updates merge and never overwrite each other; two first writes race on the unique
 * project_id and the loser (no row returned) runs again as an update. `was_active` comes from the
 * locked row, so a reactivation is audited exactly even when a DELETE committed just before.
 *
 * $1 project · credential pairs · $P test touched · $P+1 live touched · $P+2 If-Match given ·
 * $P+3 If-Match versions (null = `*`) · $P+4 … $P+7 the audit entry (auditEntryValues)
 */
const WRITE_CREDENTIALS: PreparedStatement = {
  name: 'stripe_config_write_credentials',
  text: `
WITH old AS (
  SELECT id, is_active, version FROM stripe_configs WHERE project_id = $1 FOR UPDATE
), inserted AS (
  INSERT INTO stripe_configs (project_id, ${CREDENTIAL_PARAMS.map((c) => `${c.encrypted}, ${c.masked}`).join(', ')}, ${TEST_CONFIGURED_AT}, ${LIVE_CONFIGURED_AT})
  SELECT $1, ${CREDENTIAL_PARAMS.map((c) => `${c.encryptedParam}::text, ${c.maskedParam}::varchar`).join(', ')},
    CASE WHEN $${P}::boolean THEN now() END, CASE WHEN $${P + 1}::boolean THEN now() END
  WHERE NOT EXISTS (SELECT 1 FROM old) AND NOT $${P + 2}::boolean
  ON CONFLICT (project_id) DO NOTHING
  RETURNING *, NULL::boolean AS was_active
), updated AS (
  UPDATE stripe_configs c SET ${SET_CREDENTIALS}
  FROM old
  WHERE c.id = old.id AND ${IF_MATCH_HOLDS}
  RETURNING c.*, old.is_active AS was_active
), written AS (
  SELECT * FROM inserted UNION ALL SELECT * FROM updated
), ${AUDIT_WRITTEN}
UNION ALL
SELECT 'precondition-failed', NULL, old.version, ${viewSqlColumns('x', 'c_')}
FROM old LEFT JOIN stripe_configs x ON false
WHERE NOT EXISTS (SELECT 1 FROM written)`,
};

/**
 * POST webhook-endpoints: stores the new endpoint's signing secret (ciphertext and masked form) and id
 * as a change of the configuration (version and updated_at move, the mode counts as configured), with
 * its audit entry, in one statement. $1 project · $2 ciphertext · $3 masked · $4 endpoint id · $5 … $8 audit.
 */
function storeWebhookSecretSql(mode: StripeMode): string {
  const secret = CREDENTIAL_COLUMNS[`${mode}_webhook_secret`];
  const columns = MODE_COLUMNS[mode];
  return `
WITH written AS (
  UPDATE stripe_configs SET ${secret.encrypted.column} = $2, ${secret.masked.column} = $3,
    ${columns.webhookEndpointId.column} = $4, ${columns.configuredAt.column} = now(),
    updated_at = now(), version = version + 1
  WHERE project_id = $1
  RETURNING project_id
), audited AS (
  ${auditInsertSql({ projectId: 'project_id', action: `'update'`, entry: 5, from: 'written' })}
)
SELECT count(*)::int AS written FROM written`;
}
const STORE_WEBHOOK_SECRET: Record<StripeMode, string> = {
  test: storeWebhookSecretSql('test'),
  live: storeWebhookSecretSql('live'),
};

/**
 * DELETE config: marks it inactive and bumps its version if If-Match holds ($2 null: no condition),
 * with its audit entry, in one statement. $1 project · $2 versions · $3 … $6 audit.
 */
const DEACTIVATE = `
WITH written AS (
  UPDATE stripe_configs SET is_active = false, version = version + 1, updated_at = now()
  WHERE project_id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[]))
  RETURNING project_id
), audited AS (
  ${auditInsertSql({ projectId: 'project_id', action: `'deactivate'`, entry: 3, from: 'written' })}
)
SELECT count(*)::int AS written FROM written`;

const ENCRYPTED_COLUMNS = CREDENTIAL_FIELDS.map((field) => CREDENTIAL_COLUMNS[field].encrypted.column);
/** Some credential of the row is stored under another key than the one whose prefix is $1. */
const NOT_UNDER_KEY = `(${ENCRYPTED_COLUMNS.map((c) => `(${c} IS NOT NULL AND left(${c}, length($1)) <> $1)`).join(' OR ')})`;

/**
 * Every statement on stripe_configs. Every method is keyed by the project id, checked for ownership
 * upstream. Ciphertexts are opaque strings here: they are made and read by CredentialsService only.
 * Column names come from the entity's column maps (CREDENTIAL_COLUMNS, MODE_COLUMNS).
 */
@Injectable()
export class StripeConfigRepository {
  private readonly configs: Repository<StripeConfig>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: SqlClient,
  ) {
    this.configs = dataSource.getRepository(StripeConfig);
  }

  /**
   * See UPDATE_CREDENTIALS and WRITE_CREDENTIALS. `ifMatch`: undefined = no condition, null = `*`, else
   * the accepted versions. Raw SQL as named prepared statements through SqlClient: this is the PUT hot
   * path (one statement, no transaction round trips; docs/benchmarks.md).
   */
  async writeCredentials(
    projectId: string,
    credentials: readonly CredentialWrite[],
    touched: { test: boolean; live: boolean },
    ifMatch: number[] | null | undefined,
    audit: AuditEntry,
  ): Promise<CredentialsWriteResult> {
    const values: unknown[] = [projectId];
    for (const field of CREDENTIAL_FIELDS) {
      const credential = credentials.find((c) => c.field === field);
      values.push(credential?.ciphertext ?? null, credential?.masked ?? null);
    }
    values.push(touched.test, touched.live, ifMatch !== undefined, ifMatch ?? null, ...auditEntryValues(audit));
    // The usual case first: the row exists and nobody else writes it at the same moment.
    const [fast] = await this.sql.query<Record<string, unknown>>(UPDATE_CREDENTIALS, values);
    if (fast?.outcome === 'written')
      return { outcome: 'written', view: viewOfRow(fast, 'c_') as StripeConfigView, isNew: false };
    if (fast?.outcome === 'precondition-failed')
      return { outcome: 'precondition-failed', currentVersion: fast.current_version as number };
    // No row yet, or a concurrent write (`conflict`): the locking statement.
    // Two first writes at once: the one that lost the insert race gets no row and runs again (as an update).
    for (let attempt = 0; attempt < 3; attempt++) {
      const [row] = await this.sql.query<Record<string, unknown>>(WRITE_CREDENTIALS, values);
      if (row?.outcome === 'written')
        return { outcome: 'written', view: viewOfRow(row, 'c_') as StripeConfigView, isNew: row.is_new === true };
      if (row?.outcome === 'precondition-failed')
        return { outcome: 'precondition-failed', currentVersion: row.current_version as number };
      if (ifMatch !== undefined) return { outcome: 'precondition-failed', currentVersion: null };
    }
    throw new Error('Could not write the Stripe configuration after 3 attempts');
  }

  findByProjectId(projectId: string): Promise<StripeConfig | null> {
    return this.configs.findOneBy({ projectId });
  }

  /** The configurations of these projects (the caller's own, at most their project limit). */
  findByProjectIds(projectIds: string[]): Promise<StripeConfig[]> {
    return projectIds.length === 0 ? Promise.resolve([]) : this.configs.findBy({ projectId: In(projectIds) });
  }

  /** See storeWebhookSecretSql. False when there is no row (nothing written, no audit entry). */
  async storeWebhookSecret(
    projectId: string,
    mode: StripeMode,
    endpointId: string,
    secret: Pick<CredentialWrite, 'ciphertext' | 'masked'>,
    audit: AuditEntry,
  ): Promise<boolean> {
    const rows = (await this.dataSource.query(STORE_WEBHOOK_SECRET[mode], [
      projectId,
      secret.ciphertext,
      secret.masked,
      endpointId,
      ...auditEntryValues(audit),
    ])) as { written: number }[];
    return rows[0].written > 0;
  }

  /** Forgets the webhook endpoint created in Stripe for a mode, if it is still the one stored. */
  async clearWebhookEndpoint(projectId: string, mode: StripeMode, endpointId: string): Promise<void> {
    const column = MODE_COLUMNS[mode].webhookEndpointId.column;
    await this.dataSource.query(`UPDATE stripe_configs SET ${column} = NULL WHERE project_id = $1 AND ${column} = $2`, [
      projectId,
      endpointId,
    ]);
  }

  /**
   * Notes (or clears) that a webhook endpoint creation for the mode may have left an endpoint in Stripe.
   * Not a change of the configuration: the version (and so the ETag) stays.
   */
  async setWebhookSetupPending(projectId: string, mode: StripeMode, pending: boolean): Promise<void> {
    const column = MODE_COLUMNS[mode].webhookSetupPending.column;
    await this.dataSource.query(`UPDATE stripe_configs SET ${column} = $2 WHERE project_id = $1`, [projectId, pending]);
  }

  /**
   * See DEACTIVATE. `ifMatch`: undefined = no condition, null = `*`, else the accepted versions (checked
   * in the UPDATE itself, so nothing changes when stale).
   */
  async deactivate(
    projectId: string,
    ifMatch: number[] | null | undefined,
    audit: AuditEntry,
  ): Promise<DeactivateResult> {
    const [written] = (await this.dataSource.query(DEACTIVATE, [
      projectId,
      ifMatch ?? null,
      ...auditEntryValues(audit),
    ])) as {
      written: number;
    }[];
    if (written.written > 0) return { outcome: 'deactivated' };
    const [row] = (await this.dataSource.query('SELECT version FROM stripe_configs WHERE project_id = $1', [
      projectId,
    ])) as {
      version: number;
    }[];
    if (row) return { outcome: 'precondition-failed', currentVersion: row.version };
    return ifMatch === undefined ? { outcome: 'not-found' } : { outcome: 'precondition-failed', currentVersion: null };
  }

  /** Key rotation: rows holding a ciphertext not under the key whose values start with `keyPrefix`. */
  async countNotUnderKey(keyPrefix: string): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM stripe_configs WHERE ${NOT_UNDER_KEY}`, [
      keyPrefix,
    ])) as { n: number }[];
    return rows[0].n;
  }

  /**
   * Key rotation: one transaction reading up to `limit` rows (id order, after `after`) holding a
   * ciphertext not under `keyPrefix`, in which `work` may swap their ciphertexts. Returns the last id
   * read (null: none left) and what `work` returned.
   */
  async withCiphertextBatch<T>(
    keyPrefix: string,
    after: string | null,
    limit: number,
    work: (batch: CiphertextBatch) => Promise<T>,
  ): Promise<{ last: string | null; result: T }> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const raw = (await manager.query(
        `SELECT id, project_id, version, ${ENCRYPTED_COLUMNS.join(', ')} FROM stripe_configs
          WHERE ${NOT_UNDER_KEY} AND ($2::uuid IS NULL OR id > $2::uuid)
          ORDER BY id LIMIT $3`,
        [keyPrefix, after, limit],
      )) as Record<string, string | number | null>[];
      const rows = raw.map((r) => ({
        id: r.id as string,
        projectId: r.project_id as string,
        version: r.version as number,
        ciphertexts: Object.fromEntries(
          CREDENTIAL_FIELDS.map((field) => [field, r[CREDENTIAL_COLUMNS[field].encrypted.column] as string | null]),
        ) as Record<CredentialField, string | null>,
      }));
      const result = await work({ rows, swap: (row, swaps) => this.swapCiphertexts(manager, row, swaps) });
      return { last: rows.length > 0 ? rows[rows.length - 1].id : null, result };
    });
  }

  /**
   * Compare-and-swap (`WHERE id AND version AND <each column> = <value read>`): a row a PUT or DELETE
   * changed in between matches nothing. The version is left as it is: the plaintexts did not change.
   */
  private async swapCiphertexts(
    manager: EntityManager,
    row: StoredCiphertexts,
    swaps: readonly CiphertextSwap[],
  ): Promise<boolean> {
    const params: unknown[] = [row.id, row.version];
    const column = (swap: CiphertextSwap) => CREDENTIAL_COLUMNS[swap.field].encrypted.column;
    const set = swaps.map((swap) => `${column(swap)} = $${params.push(swap.fresh)}`);
    const unchanged = swaps.map((swap) => `${column(swap)} = $${params.push(swap.old)}`);
    const [, affected] = (await manager.query(
      `UPDATE stripe_configs SET ${set.join(', ')} WHERE id = $1 AND version = $2 AND ${unchanged.join(' AND ')}`,
      params,
    )) as [unknown, number];
    return affected === 1;
  }
}
