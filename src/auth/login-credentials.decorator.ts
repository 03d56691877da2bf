import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The login body, from JSON `{email, password}` or from the OAuth2 password form
 * (`application/x-www-form-urlencoded` with `username` and `password`, as Swagger UI's Authorize sends it).
 * The global ValidationPipe then checks it against UserLoginRequest.
 */
export const LoginCredentials = createParamDecorator((_data: unknown, ctx: ExecutionContext): unknown => {
  const request = ctx.switchToHttp().getRequest<Request>();
  const body: unknown = request.body;
  if (request.is('application/x-www-form-urlencoded') && body && typeof body === 'object') {
    const form = body as Record<string, unknown>;
    return { email: form.username, password: form.password };
  }
  return body;
});
