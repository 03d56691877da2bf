import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RequestMeta } from '../http/request-context';
import type { AuditAction } from './audit-log-entry.entity';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogEntryResponse, AuditLogPage, AuditLogQuery } from './dto/audit-log.dto';

/** Who made a change, from which request. */
export interface AuditActor extends RequestMeta {
  userId: string;
}

/** Audit entries name fields, nothing else: a caller mistake cannot put a secret in the log. */
export function assertAuditFieldNames<T extends readonly string[]>(changedFields: T): T {
  for (const name of changedFields) {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) throw new Error('Audit changed_fields must be field names');
  }
  return changedFields;
}

@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditLogRepository) {}

  /**
   * Records a change. `changedFields` are field NAMES; anything else (e.g. a value) is refused, so a
   * caller mistake cannot put a secret in the log. Pass the transaction's manager to commit atomically.
   */
  async record(
    projectId: string,
    actor: AuditActor,
    action: AuditAction,
    changedFields: readonly string[],
    manager?: EntityManager,
  ): Promise<void> {
    assertAuditFieldNames(changedFields);
    await this.repository.insert(
      {
        projectId,
        userId: actor.userId,
        action,
        changedFields: [...changedFields],
        requestId: actor.requestId.slice(0, 128),
        clientIp: actor.clientIp ? actor.clientIp.slice(0, 64) : null,
      },
      manager,
    );
  }

  async page(projectId: string, query: AuditLogQuery): Promise<AuditLogPage> {
    const { page, page_size: pageSize } = query;
    const [entries, total] = await this.repository.pageByProject(projectId, pageSize, (page - 1) * pageSize);
    return { items: entries.map((e) => AuditLogEntryResponse.from(e)), total, page, page_size: pageSize };
  }
}
