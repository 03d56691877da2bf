import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { AuditService } from './audit.service';
import { AuditLogPage, AuditLogQuery } from './dto/audit-log.dto';
import { ROLE_HEADERS_REFUSED } from '../auth/role-headers.guard';
import { DeveloperListingLimit } from '../rate-limit/rate-limit.decorators';

@ApiTags('Stripe Configuration')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@OwnedProject('project_id')
@Controller('payments/stripe/projects/:project_id')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit-log')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listAuditLog',
    summary: 'List Stripe Configuration Audit Log',
    description:
      "Every create, update and deactivation of the project's Stripe configuration, newest first: who, when, which fields were written (names only, never values), the request id and the client IP. Owner only.",
  })
  @ApiOkResponse({ type: AuditLogPage })
  @ApiErrorResponses(401, 403, 404, 422)
  list(@RequestProject() project: Project, @Query() query: AuditLogQuery): Promise<AuditLogPage> {
    return this.audit.page(project.id, query);
  }
}
