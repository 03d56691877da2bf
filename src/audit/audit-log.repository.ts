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

/** The bind values of an AuditEntry, in the order of AuditSqlParams' `entry` placeholders. */
export function auditEntryValues(entry: AuditEntry): unknown[] {
  return [entry.userId, entry.requestId, entry.clientIp, entry.changedFields];
}

/**
 * SQL expressions of one audit row: `entry` is the first of four consecutive placeholders holding
 * auditEntryValues (user, request id, client IP, fields); `changedFields` may rewrite the fields
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
 */
export function auditInsertSql(p: AuditSqlParams): string {
  const fields = `$${p.entry + 3}::text[]`;
  return (
    `INSERT INTO audit_log (project_id, user_id, action, changed_fields, request_id, client_ip)\n` +
    `  SELECT ${p.projectId}, $${p.entry}::uuid, ${p.action}, ${p.changedFields ? p.changedFields(fields) : fields}, ` +
    `$${p.entry + 1}::varchar, $${p.entry + 2}::varchar` +
    (p.from ? `\n  FROM ${p.from}` : '')
  );
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
