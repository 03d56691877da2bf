import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2 } from '@nestjs/swagger';

/** Marks an operation as needing a developer's bearer token (OAuth2 password flow or plain bearer). */
export function ApiDeveloperAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiOAuth2([], 'OAuth2PasswordBearer'), ApiBearerAuth('HTTPBearer'));
}
