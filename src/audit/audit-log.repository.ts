import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RequestMeta } from '../http/request-context';
import { AuditLogEntry } from './audit-log-entry.entity';

/** Who made a change, from which request. */
export interface AuditActor extends RequestMeta {
  userId: string;
}

/** The values of an audit row that come from the request, as stored. */
export interface AuditEntry {
  userId: string;
  /** At most 128 characters (the column's size). */
  requestId: string;
  /** At most 64 characters, or null. */
  clientIp: string | null;
  /** Field names only. */
  changedFields: readonly string[];
}

/** Audit entries name fields, nothing else: a caller mistake cannot put a secret in the log. */
function assertAuditFieldNames<T extends readonly string[]>(changedFields: T): T {
  for (const name of changedFields) {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) throw new Error('Audit changed_fields must be field names');
  }
  return changedFields;
}

/**
 * THE definition of what an audit row records from a request: the actor, the request id and client IP
 * cut to their columns' sizes, and field NAMES (anything else is refused). Every writer of audit_log
 * builds its row with this and auditInsertSql.
 */
export function auditEntry(actor: AuditActor, changedFields: readonly string[]): AuditEntry {
  return {
    userId: actor.userId,
    requestId: actor.requestId.slice(0, 128),
    clientIp: actor.clientIp ? actor.clientIp.slice(0, 64) : null,
    changedFields: assertAuditFieldNames(changedFields),
  };
}

/**
 * The bind values of an AuditEntry, in the order of AuditSqlParams' `entry` placeholders, then the
 * project's audit rows per minute (AUDIT_MAX_ROWS_PER_MINUTE) beyond which writes are coalesced.
 */
export function auditEntryValues(entry: AuditEntry, maxRowsPerMinute: number): unknown[] {
  return [entry.userId, entry.requestId, entry.clientIp, entry.changedFields, maxRowsPerMinute];
}

/**
 * SQL expressions of one audit row: `entry` is the first of five consecutive placeholders holding
 * auditEntryValues (user, request id, client IP, fields, rows per minute); `changedFields` may rewrite the fields
 * (`$n` stands for the fields' placeholder); `from` the rows the entry is written for.
 */
export interface AuditSqlParams {
  projectId: string;
  action: string;
  entry: number;
  changedFields?: (fields: string) => string;
  from?: string;
}

/**
 * `INSERT INTO audit_log ...`, to run inside the statement that makes the change (a CTE), so that a
 * change is never stored without its entry and a refused change writes none.
 *
 * Bounded per project: once the project has `maxRowsPerMinute` rows in the current minute, a write
 * still records that it happened, in ONE summary row per project and minute (action `coalesced`,
 * `coalesced_writes` counting, `changed_fields` the union of the names, the last writer's user, request
 * and address), kept unique by UQ_audit_log_project_coalesced_minute. The check reads at most
 * `maxRowsPerMinute` index entries; concurrent writers may overshoot it by the writes in flight.
 */
export function auditInsertSql(p: AuditSqlParams): string {
  const fields = `$${p.entry + 3}::text[]`;
  const cap = `$${p.entry + 4}::int`;
  return `INSERT INTO audit_log AS a (project_id, user_id, action, changed_fields, request_id, client_ip, coalesced_minute)
  SELECT e.project_id, $${p.entry}::uuid, CASE WHEN o.over THEN 'coalesced' ELSE e.action END, e.fields,
    $${p.entry + 1}::varchar, $${p.entry + 2}::varchar, CASE WHEN o.over THEN date_trunc('minute', now()) END
  FROM (SELECT ${p.projectId} AS project_id, ${p.action} AS action, ${p.changedFields ? p.changedFields(fields) : fields} AS fields
        FROM ${p.from ?? '(SELECT 1) AS one'}) e
  CROSS JOIN LATERAL (
    SELECT count(*) >= ${cap} AS over FROM (
      SELECT 1 FROM audit_log r
       WHERE r.project_id = e.project_id AND r.created_at >= date_trunc('minute', now()) AND r.coalesced_minute IS NULL
       LIMIT ${cap}) recent) o
  ON CONFLICT (project_id, coalesced_minute) WHERE coalesced_minute IS NOT NULL DO UPDATE SET
    coalesced_writes = a.coalesced_writes + 1,
    changed_fields = ARRAY(SELECT DISTINCT f FROM unnest(a.changed_fields || EXCLUDED.changed_fields) AS f ORDER BY f),
    user_id = EXCLUDED.user_id, request_id = EXCLUDED.request_id, client_ip = EXCLUDED.client_ip`;
}

/**
 * Reads of audit_log. Its rows are written by the statements that make the changes they record
 * (StripeConfigRepository), each built with auditEntry and auditInsertSql above.
 */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One page of a project's entries, newest first, and the project's total count. */
  async pageByProject(projectId: string, limit: number, offset: number): Promise<[AuditLogEntry[], number]> {
    return this.dataSource.getRepository(AuditLogEntry).findAndCount({
      where: { projectId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
  }
}
