import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';
import { DEVELOPER_ROLE } from '../users/user.entity';
import type { AuthenticatedUser } from './authenticated-user';

/**
 * Global guard: every route needs a developer's bearer token unless marked `@Public()`.
 * 401 for a missing/invalid/expired token or a vanished user; 403 for a valid token of a non-developer.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser = AuthenticatedUser>(err: unknown, user: TUser | false, info: unknown): TUser {
    // Errors from our validate() (401, or a database failure) pass through as they are.
    if (err) throw err;
    if (!user) {
      const expired = info instanceof Error && info.name === 'TokenExpiredError';
      const missing = info instanceof Error && info.message === 'No auth token';
      throw new UnauthorizedException(
        missing ? 'Not authenticated' : expired ? 'Token has expired' : 'Could not validate credentials',
      );
    }
    if ((user as unknown as AuthenticatedUser).role !== DEVELOPER_ROLE)
      throw new ForbiddenException('Developer role required');
    return user;
  }
}
