import {
  applyDecorators,
  CanActivate,
  ConflictException,
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
import type { AuthenticatedUser } from '../../auth/authenticated-user';
import { assertActiveDeveloper } from '../../auth/jwt-auth.guard';
import type { TokenSubject } from '../../auth/jwt.strategy';
import { UserCheckedByRouteGuard } from '../../auth/user-check';
import { UnprocessableEntityError } from '../../http/unprocessable-entity.error';
import { isUuid } from '../../common/uuid';
import { UsersService } from '../../users/users.service';
import { projectOf, ProjectsRepository } from '../projects.repository';
import type { ProjectPreload } from '../project-preload';
import type { Project } from '../project.entity';

const OWNED_PROJECT_PARAM = 'ownedProjectParam';
const PROJECT_PRELOAD = 'projectPreload';

/** Methods that only read or switch things off: still allowed on an inactive project. */
const ALLOWED_ON_INACTIVE_PROJECT = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

export const INACTIVE_PROJECT_DETAIL = 'The project is inactive: nothing can be added to or changed in it';

interface RequestWithProject {
  method: string;
  params: Record<string, string | undefined>;
  user: TokenSubject | AuthenticatedUser;
  ownedProject?: Project;
  projectPreload?: unknown;
}

/**
 * Lets a request through only when the token's user is an active developer and the path's project
 * exists and belongs to them. Runs after the global JWT guard, which has verified the token only
 * (`@UserCheckedByRouteGuard`): the user and the project (and the route's preload, if any) are read
 * in ONE query. Answers, in this order: 401 user gone/inactive, 403 not a developer, 422 malformed id
 * (guards run before pipes, so the check is here), 404 no such project, 403 someone else's: the same
 * answers as the reference API. Then, on a project whose `is_active` is false, every write other than
 * DELETE is a 409 (reads and deactivation still work; the webhook receiver refuses its deliveries).
 */
@Injectable()
export class ProjectOwnershipGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: ProjectsRepository,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const param = this.reflector.getAllAndOverride<string>(OWNED_PROJECT_PARAM, targets) ?? 'project_id';
    const preload = this.reflector.getAllAndOverride<ProjectPreload<unknown> | undefined>(PROJECT_PRELOAD, targets);
    const request = context.switchToHttp().getRequest<RequestWithProject>();
    const userId = request.user.id;
    const projectId = request.params[param];
    if (!isUuid(projectId)) {
      request.user = assertActiveDeveloper(userId, await this.users.findActiveRole(userId));
      throw UnprocessableEntityError.invalidUuid(['path', param]);
    }
    const row = await this.access.find(userId, projectId.toLowerCase(), preload);
    request.user = assertActiveDeveloper(userId, row?.user_role ?? null);
    if (!row || row.project_id === null) throw new NotFoundException('Project not found');
    if (row.owner_id !== userId) throw new ForbiddenException('Not authorized to access this project');
    if (!row.project_is_active && !ALLOWED_ON_INACTIVE_PROJECT.has(request.method)) {
      throw new ConflictException(INACTIVE_PROJECT_DETAIL);
    }
    request.ownedProject = projectOf(row);
    if (preload) request.projectPreload = preload.read(row);
    return true;
  }
}

/** Route decorator: the `param` path parameter names a project the caller must own. */
export function OwnedProject(param = 'project_id'): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(OWNED_PROJECT_PARAM, param),
    UserCheckedByRouteGuard(),
    UseGuards(ProjectOwnershipGuard),
    ApiParam({ name: param, required: true, schema: { type: 'string', format: 'uuid', title: 'Project Id' } }),
  );
}

/**
 * On a route of an `@OwnedProject()` controller: the ownership guard also reads `preload` in the same
 * query; the handler gets it with `@ProjectPreloaded()`.
 */
export const WithProjectPreload = (preload: ProjectPreload<unknown>): MethodDecorator & ClassDecorator =>
  SetMetadata(PROJECT_PRELOAD, preload);

/** The project checked by ProjectOwnershipGuard. */
export const RequestProject = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Project =>
    ctx.switchToHttp().getRequest<RequestWithProject>().ownedProject as Project,
);

/** What the route's preload read in the ownership query (see `WithProjectPreload`). */
export const ProjectPreloaded = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): unknown =>
    ctx.switchToHttp().getRequest<RequestWithProject>().projectPreload,
);
