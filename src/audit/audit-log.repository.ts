import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLogEntry } from './audit-log-entry.entity';

export type NewAuditLogEntry = Pick<
  AuditLogEntry,
  'projectId' | 'userId' | 'action' | 'changedFields' | 'requestId' | 'clientIp'
>;

/** All SQL on audit_log, keyed by project id. */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts one entry; pass the manager of an open transaction to commit it with the change it records. */
  async insert(entry: NewAuditLogEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(AuditLogEntry).insert(entry);
  }

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
