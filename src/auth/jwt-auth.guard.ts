import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC_KEY } from './public.decorator';
import { DEVELOPER_ROLE } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { AuthenticatedUser } from './authenticated-user';
import type { TokenSubject } from './jwt.strategy';
import { USER_CHECKED_BY_ROUTE_GUARD } from './user-check';

/**
 * Global guard: every route needs a developer's bearer token unless marked `@Public()`.
 * 401 for a missing/invalid/expired token or a vanished or deactivated user; 403 for a non-developer.
 * On routes marked `@UserCheckedByRouteGuard()` the user row is checked by the route's guard instead,
 * in the same query as its own check (one query per request on the hot paths).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    await super.canActivate(context);
    if (this.reflector.getAllAndOverride<boolean>(USER_CHECKED_BY_ROUTE_GUARD, targets)) return true;
    const request = context.switchToHttp().getRequest<{ user: TokenSubject | AuthenticatedUser }>();
    const user = await this.users.findById(request.user.id);
    request.user = assertActiveDeveloper(request.user.id, user?.isActive ? user.role : null);
    return true;
  }

  override handleRequest<TUser = TokenSubject>(err: unknown, user: TUser | false, info: unknown): TUser {
    // Errors from the strategy's validate() pass through as they are.
    if (err) throw err;
    if (!user) {
      const expired = info instanceof Error && info.name === 'TokenExpiredError';
      const missing = info instanceof Error && info.message === 'No auth token';
      throw new UnauthorizedException(
        missing ? 'Not authenticated' : expired ? 'Token has expired' : 'Could not validate credentials',
      );
    }
    return user;
  }
}

/**
 * A token's subject as the request's user, given the role of its active user row (null: the user is
 * gone or inactive): 401 then, 403 unless a developer.
 */
export function assertActiveDeveloper(id: string, activeRole: string | null): AuthenticatedUser {
  if (activeRole === null) throw new UnauthorizedException('Could not validate credentials');
  if (activeRole !== DEVELOPER_ROLE) throw new ForbiddenException('Developer role required');
  return { id, role: activeRole };
}
