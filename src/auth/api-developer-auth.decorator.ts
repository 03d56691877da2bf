import { applyDecorators } from '@nestjs/common';
import { ApiOAuth2 } from '@nestjs/swagger';

/**
 * Marks an operation as needing a developer's bearer token: the OAuth2 password flow's token (Swagger
 * UI's Authorize), sent as `Authorization: Bearer`. One scheme only: two alternatives that both mean
 * "a bearer token" made generated clients list the token twice.
 */
export function ApiDeveloperAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiOAuth2([], 'OAuth2PasswordBearer'));
}
