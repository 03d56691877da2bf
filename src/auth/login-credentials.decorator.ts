import { ArgumentMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import typeIs from 'type-is';
import { UnprocessableEntityError } from '../http/unprocessable-entity.error';
import { ApiValidationPipe } from '../http/api-validation.pipe';
import { normalizeEmail } from '../users/email-address';

/** Marks credentials read from the OAuth2 form, so that errors name the form's fields. */
const FROM_OAUTH2_FORM = Symbol('fromOAuth2Form');

/**
 * The login body, from JSON `{email, password}`, from the same fields as a form, or from the OAuth2
 * password form (`application/x-www-form-urlencoded` with `username` and `password`, as Swagger UI's
 * Authorize sends it).
 * LoginValidationPipe then checks it against UserLoginRequest.
 */
export const LoginCredentials = createParamDecorator((_data: unknown, ctx: ExecutionContext): unknown =>
  loginCredentialsOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

/** The credentials a login request submits (see LoginCredentials), before validation. */
function loginCredentialsOf(request: FastifyRequest): unknown {
  const body: unknown = request.body;
  if (typeIs(request.raw, ['application/x-www-form-urlencoded']) && body && typeof body === 'object') {
    const form = body as Record<string, unknown>;
    // The documented form fields are the JSON ones (email, password); the OAuth2 form names the email `username`.
    if (form.username === undefined && form.email !== undefined) return { email: form.email, password: form.password };
    const credentials = { email: form.username, password: form.password };
    Object.defineProperty(credentials, FROM_OAUTH2_FORM, { value: true, enumerable: false });
    return credentials;
  }
  return body;
}

/**
 * The account a login request checks the password of, exactly as the login looks it up: the email
 * of the JSON body or the form's `username` (whatever else the body carries), in the one normalised
 * form of an address (normalizeEmail: every spelling the lookup accepts for one account shares one
 * key). The per-account login limit is keyed on it.
 */
export function loginAccountOf(request: FastifyRequest): string {
  const credentials = loginCredentialsOf(request) as { email?: unknown } | null | undefined;
  const email = credentials && typeof credentials === 'object' ? credentials.email : undefined;
  if (typeof email !== 'string') return '';
  return normalizeEmail(email).slice(0, 320);
}

/** The global validation rules for the login body; for the OAuth2 form, `email` is reported as `username`. */
export class LoginValidationPipe extends ApiValidationPipe {
  constructor() {
    super({ validateCustomDecorators: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      const fromForm = typeof value === 'object' && value !== null && FROM_OAUTH2_FORM in value;
      if (!fromForm || !(error instanceof UnprocessableEntityError)) throw error;
      throw new UnprocessableEntityError(
        error.issues.map((issue) =>
          issue.loc[1] === 'email' ? { ...issue, loc: ['body', 'username', ...issue.loc.slice(2)] } : issue,
        ),
      );
    }
  }
}
