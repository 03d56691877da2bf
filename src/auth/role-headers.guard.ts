import { BadRequestException, CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ErrorExample } from '../http/api-error-responses.decorator';
import { DEVELOPER_ROLE } from '../users/user.entity';

/**
 * The operations of a developer's account: auth, projects and everything under payments (the project
 * operations and the lists across projects); health probes and Stripe's webhook deliveries take no role headers.
 */
const ROLE_CHECKED = /^\/api\/v1\/(?:auth|projects|payments(?!\/stripe\/webhooks(?:[/?]|$)))(?:[/?]|$)/i;
const ACCOUNT_ENTRY = /^\/api\/v1\/auth\/(?:register|login)\/?(?:\?|$)/i;

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * What the role headers of the DevKit4AI docs ask for, when this service cannot give it; undefined
 * when they are absent or ask for a developer (what this service serves). Messages never echo a key.
 * - `X-User-Role` other than `developer` (end_user, platform_operator): refused.
 * - `X-Developer-Key` or `X-Project-ID` on register/login: the docs' end-user registration and
 *   login, refused (silently creating a developer instead would be wrong).
 * - `X-Project-ID` anywhere else: an end user's project scope, refused (projects are named in the path).
 * - `X-Developer-Key` on a developer's call, `X-Operator-Key` (developer registration): honoured as
 *   what they ask for, a developer; the bearer token authenticates, the keys are not needed or checked.
 */
function roleHeaderProblem(request: FastifyRequest): string | undefined {
  if (!ROLE_CHECKED.test(request.url)) return undefined;
  const role = headerValue(request, 'x-user-role')?.trim().toLowerCase();
  if (role !== undefined && role !== DEVELOPER_ROLE) {
    const named = /^[a-z_]{1,32}$/.test(role) ? `"${role}" ` : '';
    return `X-User-Role ${named}is not supported: this service serves developer accounts only (send X-User-Role: developer, or no X-User-Role)`;
  }
  const projectId = headerValue(request, 'x-project-id') !== undefined;
  const developerKey = headerValue(request, 'x-developer-key') !== undefined;
  if (ACCOUNT_ENTRY.test(request.url) && (projectId || developerKey)) {
    return 'End-user accounts are not supported: X-Developer-Key and X-Project-ID (end-user registration and login) are refused; this service registers and signs in developer accounts only, without these headers';
  }
  if (projectId) {
    return "X-Project-ID (an end user's project scope) is not supported: this service serves developers, and names the project in the path";
  }
  return undefined;
}

/** The 400 of the operations whose role headers are checked, as @ApiErrorResponses documents it. */
export const ROLE_HEADERS_REFUSED = {
  status: 400,
  description:
    'A DevKit4AI role header asks for an end-user, project-scoped or developer-key session, which this service does not serve (developer accounts only): `detail` names the header',
  detail:
    'X-User-Role "end_user" is not supported: this service serves developer accounts only (send X-User-Role: developer, or no X-User-Role)',
} as const satisfies ErrorExample;

/** Runs before the bearer-token guard: a request for another role is a 400, whatever the token. */
@Injectable()
export class RoleHeadersGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const problem = roleHeaderProblem(context.switchToHttp().getRequest<FastifyRequest>());
    if (problem) throw new BadRequestException(problem);
    return true;
  }
}
