import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2 } from '@nestjs/swagger';

/** The two names of the one bearer token, as the reference names its schemes. */
export const OAUTH2_SCHEME = 'OAuth2PasswordBearer';
export const HTTP_BEARER_SCHEME = 'HTTPBearer';

/**
 * Marks an operation as needing a developer's bearer token, sent as `Authorization: Bearer`: either
 * security requirement is enough. OAuth2PasswordBearer is Swagger UI's Authorize with email and
 * password (the password flow); HTTPBearer takes a pasted token. Both put the same header, so the
 * generated clients in the suite send it once (test/generated-clients.e2e-spec.ts).
 */
export function ApiDeveloperAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiOAuth2([], OAUTH2_SCHEME), ApiBearerAuth(HTTP_BEARER_SCHEME));
}
