import { Injectable } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogEntryResponse, AuditLogPage, AuditLogQuery } from './dto/audit-log.dto';

export type { AuditActor } from './audit-log.repository';

/** The audit-log API. Entries are written with the changes they record (see audit-log.repository.ts). */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditLogRepository) {}

  async page(projectId: string, query: AuditLogQuery): Promise<AuditLogPage> {
    const { page, page_size: pageSize } = query;
    const [entries, total] = await this.repository.pageByProject(projectId, pageSize, (page - 1) * pageSize);
    return { items: entries.map((e) => AuditLogEntryResponse.from(e)), total, page, page_size: pageSize };
  }
}
