import { SetMetadata } from '@nestjs/common';

/**
 * Route metadata: the route's own guard checks the token's user against the database (in the same
 * query as its own check), so JwtAuthGuard verifies only the token. Set by `@OwnedProject()`, whose
 * guard reads the user and the project in one query.
 */
export const USER_CHECKED_BY_ROUTE_GUARD = 'userCheckedByRouteGuard';
export const UserCheckedByRouteGuard = (): MethodDecorator & ClassDecorator =>
  SetMetadata(USER_CHECKED_BY_ROUTE_GUARD, true);
