import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import type { PathParameterNames } from '../http/api-exception.filter';
import { CurrentUser } from '../auth/current-user.decorator';
import { HTTPError } from '../http/error-response.dto';
import { ProjectCreatedResponse, ProjectCreateRequest, ProjectResponse } from './dto/project.dto';
import { OwnedProject, RequestProject } from './guards/project-ownership.guard';
import type { Project } from './project.entity';
import { ProjectsService } from './projects.service';
import { ApiPathWithTrailingSlash, ApiRequestExample } from '../openapi/openapi.decorators';
import { ROLE_HEADERS_REFUSED } from '../auth/role-headers.guard';
import { DeveloperListingLimit, DeveloperWriteLimit } from '../rate-limit/rate-limit.decorators';

/** `projects/{project_id}`: an undecodable project id is a 422 naming it (see PathParameterNames). */
export const PROJECT_PATH_PARAMETERS: PathParameterNames = { projects: [{ name: 'project_id', uuid: true }] };

@ApiTags('Project Management')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@Controller('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @DeveloperWriteLimit()
  @ApiRequestExample({ summary: 'A project', value: { name: 'My SaaS', description: 'Billing for my SaaS' } })
  @ApiPathWithTrailingSlash()
  @ApiOperation({
    operationId: 'createProject',
    summary: 'Create Project',
    description: 'Create a new project for the current user (at most 200 per developer)',
  })
  @ApiResponse({ status: 201, type: ProjectCreatedResponse })
  @ApiResponse({
    status: 409,
    type: HTTPError,
    description: 'The developer already owns 200 projects (the limit)',
    example: { detail: 'Project limit reached: a developer can own at most 200 projects' },
  })
  @ApiErrorResponses(401, { status: 403, detail: 'Developer role required' }, 413, 415, {
    status: 422,
    issue: { loc: ['body', 'name'], msg: 'name must not be empty', type: 'string_too_short' },
  })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ProjectCreateRequest,
  ): Promise<ProjectCreatedResponse> {
    const project = await this.projects.create(user.id, body);
    return { id: project.id };
  }

  @Get()
  @DeveloperListingLimit()
  @ApiPathWithTrailingSlash()
  @ApiOperation({
    operationId: 'listProjects',
    summary: 'List Projects',
    description: 'List all projects for the current user',
  })
  @ApiResponse({ status: 200, type: [ProjectResponse] })
  @ApiErrorResponses(401, { status: 403, detail: 'Developer role required' })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ProjectResponse[]> {
    return (await this.projects.listOwnedBy(user.id)).map((p) => ProjectResponse.from(p));
  }

  @Get(':project_id')
  @OwnedProject()
  @ApiOperation({ operationId: 'getProject', summary: 'Get Project', description: 'Get details of a specific project' })
  @ApiResponse({ status: 200, type: ProjectResponse })
  @ApiErrorResponses(401, 403, 404, 422)
  get(@RequestProject() project: Project): ProjectResponse {
    return ProjectResponse.from(project);
  }
}
