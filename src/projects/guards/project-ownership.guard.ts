import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiParam } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../../auth/authenticated-user';
import { UnprocessableEntityError } from '../../common/errors/unprocessable-entity.error';
import type { Project } from '../project.entity';
import { ProjectsService } from '../projects.service';

const OWNED_PROJECT_PARAM = 'ownedProjectParam';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type RequestWithProject = FastifyRequest<{ Params: Record<string, string | undefined> }> & {
  user?: AuthenticatedUser;
  ownedProject?: Project;
};

/**
 * Lets a request through only when the path's project exists and belongs to the caller.
 * Runs after the global JWT guard. 422 for a malformed id (guards run before pipes, so the check is
 * here), 404 for no such project, 403 for someone else's: the same answers as the reference API.
 */
@Injectable()
export class ProjectOwnershipGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly projects: ProjectsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const param =
      this.reflector.getAllAndOverride<string>(OWNED_PROJECT_PARAM, [context.getHandler(), context.getClass()]) ??
      'project_id';
    const request = context.switchToHttp().getRequest<RequestWithProject>();
    const projectId = request.params[param];
    if (typeof projectId !== 'string' || !UUID.test(projectId)) {
      throw UnprocessableEntityError.single(['path', param], 'Input should be a valid UUID', 'uuid_parsing');
    }
    const project = await this.projects.findById(projectId.toLowerCase());
    if (!project) throw new NotFoundException('Project not found');
    if (!request.user || project.ownerId !== request.user.id)
      throw new ForbiddenException('Not authorized to access this project');
    request.ownedProject = project;
    return true;
  }
}

/** Route decorator: the `param` path parameter names a project the caller must own. */
export function OwnedProject(param = 'project_id'): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(OWNED_PROJECT_PARAM, param),
    UseGuards(ProjectOwnershipGuard),
    ApiParam({ name: param, required: true, schema: { type: 'string', format: 'uuid', title: 'Project Id' } }),
  );
}

/** The project checked by ProjectOwnershipGuard. */
export const RequestProject = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Project =>
    ctx.switchToHttp().getRequest<RequestWithProject>().ownedProject as Project,
);
