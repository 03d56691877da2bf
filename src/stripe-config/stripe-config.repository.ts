import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedStatement, SqlClient } from '../database/sql-client';
import { StripeConfig } from './stripe-config.entity';
import { CREDENTIAL_SQL_COLUMNS, StripeConfigView, viewOfRow, viewSqlColumns } from './stripe-config.mapper';
import { CREDENTIAL_FIELDS, CredentialField } from './stripe-credential-fields';

/** One credential to store: its ciphertext and the masked form kept for responses. */
export interface CredentialWrite {
  field: CredentialField;
  ciphertext: string;
  masked: string;
}

/** Who wrote, for the audit entry written by the same statement. */
export interface WriteAudit {
  userId: string;
  requestId: string;
  clientIp: string | null;
  /** Field names only (checked by the caller). */
  changedFields: readonly string[];
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

const CREDENTIAL_PARAMS = CREDENTIAL_FIELDS.map((field, i) => ({
  ...CREDENTIAL_SQL_COLUMNS[field],
  encryptedParam: `$${2 + 2 * i}`,
  maskedParam: `$${3 + 2 * i}`,
}));
const P = 2 + 2 * CREDENTIAL_FIELDS.length; // first parameter after the credentials

/**
 * PUT config in ONE statement (one round trip, atomic): lock the row if there is one, check If-Match
 * against the locked version, insert or partially update (a null parameter keeps the stored column),
 * and write the audit entry. Concurrent writers queue on the row lock, so partial updates merge and
 * never overwrite each other; two first writes race on the unique project_id and the loser (no row
 * returned) runs again as an update. `was_active` comes from the locked row, so a reactivation is
 * audited exactly even when a DELETE committed just before.
 *
 * $1 project · credential pairs · $P test touched · $P+1 live touched · $P+2 If-Match given ·
 * $P+3 If-Match versions (null = `*`) · $P+4 user · $P+5 request id · $P+6 client ip · $P+7 fields
 */
const WRITE_CREDENTIALS: PreparedStatement = {
  name: 'stripe_config_write_credentials',
  text: `
WITH old AS (
  SELECT id, is_active, version FROM stripe_configs WHERE project_id = $1 FOR UPDATE
), inserted AS (
  INSERT INTO stripe_configs (project_id, ${CREDENTIAL_PARAMS.map((c) => `${c.encrypted}, ${c.masked}`).join(', ')}, test_configured_at, live_configured_at)
  SELECT $1, ${CREDENTIAL_PARAMS.map((c) => `${c.encryptedParam}::text, ${c.maskedParam}::varchar`).join(', ')},
    CASE WHEN $${P}::boolean THEN now() END, CASE WHEN $${P + 1}::boolean THEN now() END
  WHERE NOT EXISTS (SELECT 1 FROM old) AND NOT $${P + 2}::boolean
  ON CONFLICT (project_id) DO NOTHING
  RETURNING *, NULL::boolean AS was_active
), updated AS (
  UPDATE stripe_configs c SET
    ${CREDENTIAL_PARAMS.map((c) => `${c.encrypted} = COALESCE(${c.encryptedParam}::text, c.${c.encrypted}), ${c.masked} = COALESCE(${c.maskedParam}::varchar, c.${c.masked})`).join(',\n    ')},
    test_configured_at = CASE WHEN $${P}::boolean THEN now() ELSE c.test_configured_at END,
    live_configured_at = CASE WHEN $${P + 1}::boolean THEN now() ELSE c.live_configured_at END,
    is_active = true, updated_at = now(), version = c.version + 1
  FROM old
  WHERE c.id = old.id AND (NOT $${P + 2}::boolean OR $${P + 3}::int[] IS NULL OR old.version = ANY($${P + 3}::int[]))
  RETURNING c.*, old.is_active AS was_active
), written AS (
  SELECT * FROM inserted UNION ALL SELECT * FROM updated
), audited AS (
  INSERT INTO audit_log (project_id, user_id, action, changed_fields, request_id, client_ip)
  SELECT project_id, $${P + 4}::uuid, CASE WHEN was_active IS NULL THEN 'create' ELSE 'update' END,
    CASE WHEN was_active = false THEN $${P + 7}::text[] || '{is_active}'::text[] ELSE $${P + 7}::text[] END,
    $${P + 5}::varchar, $${P + 6}::varchar
  FROM written
)
SELECT 'written' AS outcome, (w.was_active IS NULL) AS is_new, NULL::int AS current_version, ${viewSqlColumns('w', 'c_')}
FROM written w
UNION ALL
SELECT 'precondition-failed', NULL, old.version, ${viewSqlColumns('x', 'c_')}
FROM old LEFT JOIN stripe_configs x ON false
WHERE NOT EXISTS (SELECT 1 FROM written)`,
};

/** All SQL on stripe_configs. Every method is keyed by the project id, checked for ownership upstream. */
@Injectable()
export class StripeConfigRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: SqlClient,
  ) {}

  /** See WRITE_CREDENTIALS. `ifMatch`: undefined = no condition, null = `*`, else the accepted versions. */
  async writeCredentials(
    projectId: string,
    credentials: readonly CredentialWrite[],
    touched: { test: boolean; live: boolean },
    ifMatch: number[] | null | undefined,
    audit: WriteAudit,
  ): Promise<CredentialsWriteResult> {
    const values: unknown[] = [projectId];
    for (const field of CREDENTIAL_FIELDS) {
      const credential = credentials.find((c) => c.field === field);
      values.push(credential?.ciphertext ?? null, credential?.masked ?? null);
    }
    values.push(
      touched.test,
      touched.live,
      ifMatch !== undefined,
      ifMatch ?? null,
      audit.userId,
      audit.requestId,
      audit.clientIp,
      audit.changedFields,
    );
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
    return this.dataSource.getRepository(StripeConfig).findOneBy({ projectId });
  }

  /**
   * Runs `change` on the project's config row, locked (SELECT ... FOR UPDATE) inside a transaction,
   * creating the row first if there is none. Concurrent writers to one project queue up on the lock,
   * so partial updates merge instead of overwriting each other, and concurrent first writes end up
   * with exactly one row (INSERT ... ON CONFLICT DO NOTHING on the unique project_id).
   * `change` may throw to roll everything back (e.g. a failed If-Match); `afterSave` runs in the same
   * transaction (the audit entry commits with the change or not at all).
   */
  async upsertLocked(
    projectId: string,
    change: (config: StripeConfig, isNew: boolean) => void,
    afterSave?: (manager: EntityManager, saved: StripeConfig, isNew: boolean) => Promise<void>,
  ): Promise<StripeConfig> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(StripeConfig)
        .values({ projectId })
        .orIgnore()
        .returning('id')
        .execute();
      const isNew = (inserted.raw as unknown[]).length > 0;
      const config = await manager
        .getRepository(StripeConfig)
        .createQueryBuilder('config')
        .setLock('pessimistic_write')
        .where('config.project_id = :projectId', { projectId })
        .getOneOrFail();
      change(config, isNew);
      const saved = await manager.getRepository(StripeConfig).save(config);
      if (afterSave) await afterSave(manager, saved, isNew);
      return saved;
    });
  }

  /** Forgets the webhook endpoint created in Stripe for a mode, if it is still the one stored. */
  async clearWebhookEndpoint(projectId: string, mode: 'test' | 'live', endpointId: string): Promise<void> {
    const column = mode === 'test' ? 'test_webhook_endpoint_id' : 'live_webhook_endpoint_id';
    await this.dataSource.query(`UPDATE stripe_configs SET ${column} = NULL WHERE project_id = $1 AND ${column} = $2`, [
      projectId,
      endpointId,
    ]);
  }

  /**
   * Notes (or clears) that a webhook endpoint creation for the mode may have left an endpoint in Stripe.
   * Not a change of the configuration: the version (and so the ETag) stays.
   */
  async setWebhookSetupPending(projectId: string, mode: 'test' | 'live', pending: boolean): Promise<void> {
    const column = mode === 'test' ? 'test_webhook_setup_pending' : 'live_webhook_setup_pending';
    await this.dataSource.query(`UPDATE stripe_configs SET ${column} = $2 WHERE project_id = $1`, [projectId, pending]);
  }

  /**
   * Marks the config inactive and bumps its version. `ifMatch`: undefined = no condition, null = `*`,
   * else the accepted versions (checked in the UPDATE itself, so nothing changes when stale).
   * `afterUpdate` runs in the same transaction.
   */
  async deactivate(
    projectId: string,
    ifMatch: number[] | null | undefined,
    afterUpdate?: (manager: EntityManager) => Promise<void>,
  ): Promise<DeactivateResult> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const update = manager
        .createQueryBuilder()
        .update(StripeConfig)
        .set({ isActive: false, version: () => 'version + 1' })
        .where('project_id = :projectId', { projectId });
      if (ifMatch) update.andWhere('version = ANY(:versions::int[])', { versions: ifMatch });
      const result = await update.execute();
      if ((result.affected ?? 0) > 0) {
        if (afterUpdate) await afterUpdate(manager);
        return { outcome: 'deactivated' };
      }
      const [row] = (await manager.query('SELECT version FROM stripe_configs WHERE project_id = $1', [projectId])) as {
        version: number;
      }[];
      if (row) return { outcome: 'precondition-failed', currentVersion: row.version };
      return ifMatch === undefined
        ? { outcome: 'not-found' }
        : { outcome: 'precondition-failed', currentVersion: null };
    });
  }
}
