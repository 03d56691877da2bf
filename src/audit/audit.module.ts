import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { AuditLogRepository } from './audit-log.repository';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** The audit-log API. The entries are written by the statements that make the changes (audit-log.repository.ts). */
@Module({
  imports: [ProjectsModule],
  controllers: [AuditController],
  providers: [AuditService, AuditLogRepository],
})
export class AuditModule {}
