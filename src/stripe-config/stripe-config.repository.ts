import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { AuditEntry, auditEntryValues, auditInsertSql } from '../audit/audit-log.repository';
import type { CiphertextBatch, CiphertextStore, CiphertextSwap, SealedRow } from '../credentials/ciphertext-store';
import { auditConfig, type AuditConfig, DEFAULT_AUDIT_ROWS_PER_MINUTE } from '../audit/audit.config';
import { PreparedStatement, SqlClient } from '../database/sql-client';
import { CREDENTIAL_FIELDS, CredentialField, StripeMode } from '../stripe/stripe-keys';
import {
  CREDENTIAL_COLUMNS,
  credentialContext,
  type KeyField,
  MODE_COLUMNS,
  StripeConfig,
} from './stripe-config.entity';
import { StripeConfigView, viewOfRow, viewSqlColumns } from './stripe-config.mapper';

/** One credential to store: its ciphertext, masked form, fingerprint and account (see StripeConfigCredentials.seal). */
export interface CredentialWrite {
  field: CredentialField;
  ciphertext: string;
  masked: string;
  fingerprint: string;
  /** API keys: the Stripe account the key embeds (null: cannot be told; always null for webhook secrets). */
  account: string | null;
}

/** The Stripe account of a stored key, read at its check: stored only while the key is still `fingerprint`. */
export interface KeyAccount {
  field: KeyField;
  fingerprint: string;
  account: string;
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

/** A column written with a credential and the parameter of its value. */
interface WrittenColumn {
  column: string;
  param: string;
  type: 'text' | 'varchar';
}
/** Per credential, in parameter order from $2: ciphertext, masked form, fingerprint, account (API keys). */
let nextParam = 2;
const CREDENTIAL_PARAMS = CREDENTIAL_FIELDS.map((field) => {
  const columns = CREDENTIAL_COLUMNS[field];
  const param = (column: string, type: WrittenColumn['type']): WrittenColumn => ({
    column,
    param: `$${nextParam++}`,
    type,
  });
  const encrypted = param(columns.encrypted.column, 'text');
  const others = [param(columns.masked.column, 'varchar'), param(columns.fingerprint.column, 'varchar')];
  if (columns.account) others.push(param(columns.account.column, 'varchar'));
  return { field, encrypted, others, all: [encrypted, ...others] };
});
const P = nextParam; // first parameter after the credentials
const TEST_CONFIGURED_AT = MODE_COLUMNS.test.configuredAt.column;
const LIVE_CONFIGURED_AT = MODE_COLUMNS.live.configuredAt.column;

/**
 * The partial update of the credentials: a credential whose ciphertext parameter is null keeps all its
 * stored columns (of the newest row version); one given sets all of them (an account may become null).
 */
const SET_CREDENTIALS = `
    ${CREDENTIAL_PARAMS.map((c) => [`${c.encrypted.column} = COALESCE(${c.encrypted.param}::text, c.${c.encrypted.column})`, ...c.others.map((o) => `${o.column} = CASE WHEN ${c.encrypted.param}::text IS NULL THEN c.${o.column} ELSE ${o.param}::${o.type} END`)].join(', ')).join(',\n    ')},
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
 * $P+3 If-Match versions (null = `*`) · $P+4 … $P+8 the audit entry (auditEntryValues)
 */
const WRITE_CREDENTIALS: PreparedStatement = {
  name: 'stripe_config_write_credentials',
  text: `
WITH old AS (
  SELECT id, is_active, version FROM stripe_configs WHERE project_id = $1 FOR UPDATE
), inserted AS (
  INSERT INTO stripe_configs (project_id, ${CREDENTIAL_PARAMS.flatMap((c) => c.all.map((w) => w.column)).join(', ')}, ${TEST_CONFIGURED_AT}, ${LIVE_CONFIGURED_AT})
  SELECT $1, ${CREDENTIAL_PARAMS.flatMap((c) => c.all.map((w) => `${w.param}::${w.type}`)).join(', ')},
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
 * POST webhook-endpoints: stores the new endpoint's signing secret (ciphertext, masked form, fingerprint)
 * and id as a change of the configuration (version and updated_at move, the mode counts as configured),
 * with its audit entry, in one statement. $1 project · $2 ciphertext · $3 masked · $4 endpoint id ·
 * $5 fingerprint · $6 … $9 audit.
 */
function storeWebhookSecretSql(mode: StripeMode): string {
  const secret = CREDENTIAL_COLUMNS[`${mode}_webhook_secret`];
  const columns = MODE_COLUMNS[mode];
  return `
WITH written AS (
  UPDATE stripe_configs SET ${secret.encrypted.column} = $2, ${secret.masked.column} = $3,
    ${secret.fingerprint.column} = $5, ${columns.webhookEndpointId.column} = $4, ${columns.configuredAt.column} = now(),
    updated_at = now(), version = version + 1
  WHERE project_id = $1
  RETURNING project_id
), audited AS (
  ${auditInsertSql({ projectId: 'project_id', action: `'update'`, entry: 6, from: 'written' })}
)
SELECT count(*)::int AS written FROM written`;
}
const STORE_WEBHOOK_SECRET: Record<StripeMode, string> = {
  test: storeWebhookSecretSql('test'),
  live: storeWebhookSecretSql('live'),
};

/**
 * DELETE config: marks it inactive and bumps its version if If-Match holds ($2 null: no condition),
 * with its audit entry, in one statement. $1 project · $2 versions · $3 … $7 audit.
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
 * upstream. Ciphertexts are opaque strings here: they are made and read through CredentialsService.
 * Column names come from the entity's column maps (CREDENTIAL_COLUMNS, MODE_COLUMNS). As the
 * CiphertextStore of stripe_configs, it gives key rotation every ciphertext column with its
 * associated data (credentialContext).
 */
@Injectable()
export class StripeConfigRepository implements CiphertextStore {
  readonly name = 'stripe_configs';
  readonly slots = ENCRYPTED_COLUMNS;
  private readonly configs: Repository<StripeConfig>;

  /** Audit rows per project and minute before writes are coalesced (see auditInsertSql). */
  private readonly auditRowsPerMinute: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: SqlClient,
    @Optional() @Inject(auditConfig.KEY) audit?: AuditConfig,
  ) {
    this.configs = dataSource.getRepository(StripeConfig);
    this.auditRowsPerMinute = audit?.maxRowsPerMinute ?? DEFAULT_AUDIT_ROWS_PER_MINUTE;
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
    for (const { field, others } of CREDENTIAL_PARAMS) {
      const credential = credentials.find((c) => c.field === field);
      values.push(credential?.ciphertext ?? null, credential?.masked ?? null, credential?.fingerprint ?? null);
      if (others.length > 2) values.push(credential?.account ?? null);
    }
    values.push(
      touched.test,
      touched.live,
      ifMatch !== undefined,
      ifMatch ?? null,
      ...auditEntryValues(audit, this.auditRowsPerMinute),
    );
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
    secret: Pick<CredentialWrite, 'ciphertext' | 'masked' | 'fingerprint'>,
    audit: AuditEntry,
  ): Promise<boolean> {
    const rows = (await this.dataSource.query(STORE_WEBHOOK_SECRET[mode], [
      projectId,
      secret.ciphertext,
      secret.masked,
      endpointId,
      secret.fingerprint,
      ...auditEntryValues(audit, this.auditRowsPerMinute),
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
      ...auditEntryValues(audit, this.auditRowsPerMinute),
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
   * Stores the Stripe accounts a key check read from the keys (filling rows written before accounts
   * were kept), each only while its key is still the one checked (same fingerprint). Not a change of
   * the configuration: the version stays.
   */
  async setKeyAccounts(projectId: string, accounts: readonly KeyAccount[]): Promise<void> {
    for (const { field, fingerprint, account } of accounts) {
      const columns = CREDENTIAL_COLUMNS[field];
      await this.dataSource.query(
        `UPDATE stripe_configs SET ${columns.account!.column} = $3
          WHERE project_id = $1 AND ${columns.fingerprint.column} = $2
            AND ${columns.account!.column} IS DISTINCT FROM $3`,
        [projectId, fingerprint, account],
      );
    }
  }

  /**
   * Key rotation (CiphertextStore): one transaction reading up to `limit` rows (id order, after
   * `after`) holding a ciphertext not under `keyPrefix`, in which `work` may swap their ciphertexts.
   * Returns the last id read (null: none left) and what `work` returned.
   */
  async withBatchNotUnderKey<T>(
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
      const versions = new Map<string, number>();
      const rows: SealedRow[] = raw.map((r) => {
        versions.set(r.id as string, r.version as number);
        return {
          key: r.id as string,
          values: CREDENTIAL_FIELDS.flatMap((field) => {
            const ciphertext = r[CREDENTIAL_COLUMNS[field].encrypted.column] as string | null;
            const slot = CREDENTIAL_COLUMNS[field].encrypted.column;
            return ciphertext === null
              ? []
              : [{ slot, context: credentialContext(r.project_id as string, field), ciphertext }];
          }),
        };
      });
      const swap = (row: SealedRow, swaps: readonly CiphertextSwap[]) =>
        this.swapCiphertexts(manager, row.key, versions.get(row.key)!, swaps);
      const result = await work({ rows, swap });
      return { last: rows.length > 0 ? rows[rows.length - 1].key : null, result };
    });
  }

  /**
   * Compare-and-swap (`WHERE id AND version AND <each column> = <value read>`): a row a PUT or DELETE
   * changed in between matches nothing. The version is left as it is: the plaintexts did not change.
   */
  private async swapCiphertexts(
    manager: EntityManager,
    id: string,
    version: number,
    swaps: readonly CiphertextSwap[],
  ): Promise<boolean> {
    // Only this table's ciphertext columns: a slot is a column name given out by this repository.
    if (swaps.some((swap) => !ENCRYPTED_COLUMNS.includes(swap.slot))) throw new Error('Unknown ciphertext column');
    const params: unknown[] = [id, version];
    const column = (swap: CiphertextSwap) => swap.slot;
    const set = swaps.map((swap) => `${column(swap)} = $${params.push(swap.fresh)}`);
    const unchanged = swaps.map((swap) => `${column(swap)} = $${params.push(swap.old)}`);
    const [, affected] = (await manager.query(
      `UPDATE stripe_configs SET ${set.join(', ')} WHERE id = $1 AND version = $2 AND ${unchanged.join(' AND ')}`,
      params,
    )) as [unknown, number];
    return affected === 1;
  }
}
