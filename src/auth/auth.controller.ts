import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Post } from '@nestjs/common';
import { AcceptsMediaTypes, FORM_MEDIA_TYPE, JSON_MEDIA_TYPE, unsupportedMediaTypeDetail } from '../http/request-body';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { ApiDeveloperAuth } from './api-developer-auth.decorator';
import { CurrentUser } from './current-user.decorator';
import { Public } from './public.decorator';
import { LoginRateLimit, SignUpRateLimitResponse } from '../rate-limit/rate-limit.decorators';
import { CurrentRequestMeta, type RequestMeta } from '../http/request-context';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { AuthenticatedUser } from './authenticated-user';
import { RegistrationResponse, TokenResponse, UserResponse } from './dto/auth-response.dto';
import { UserCreateRequest, UserLoginRequest } from './dto/register.dto';
import { LoginCredentials, loginAccountOf, LoginValidationPipe } from './login-credentials.decorator';
import { ApiRequestExample } from '../openapi/openapi.decorators';
import { ROLE_HEADERS_REFUSED } from './role-headers.guard';

@ApiTags('Authentication')
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('register')
  @ApiRequestExample({
    summary: 'A developer account (the email must be new: change it, else 409)',
    value: { email: 'dev@example.com', password: 'correct-horse-battery', full_name: 'Ada Lovelace' },
  })
  @ApiOperation({
    operationId: 'register',
    summary: 'Register',
    description:
      "Create a developer account and receive an access token. The email must not be registered yet (else 409): change the example's address before trying it.",
  })
  @ApiResponse({ status: 201, type: RegistrationResponse, description: 'The new developer, with an access token' })
  @ApiErrorResponses({ status: 409, detail: 'A user with this email already exists' }, 413, 415, {
    status: 422,
    issue: { loc: ['body', 'email'], msg: 'value is not a valid email address', type: 'value_error' },
  })
  @SignUpRateLimitResponse()
  register(@Body() body: UserCreateRequest, @CurrentRequestMeta() meta: RequestMeta): Promise<RegistrationResponse> {
    return this.auth.register(body, meta.clientIp ?? 'unknown');
  }

  @Public()
  @Post('login')
  // JSON, or the OAuth2 password form (Swagger UI's Authorize sends it).
  @AcceptsMediaTypes(JSON_MEDIA_TYPE, FORM_MEDIA_TYPE)
  @LoginRateLimit(loginAccountOf)
  @HttpCode(HttpStatus.OK)
  @ApiRequestExample({
    summary: 'Email and password',
    value: { email: 'dev@example.com', password: 'correct-horse-battery' },
  })
  @ApiExtraModels(UserLoginRequest)
  @ApiOperation({
    operationId: 'login',
    summary: 'Login',
    description:
      "Exchange email and password for a bearer token: JSON `{email, password}`, or the same fields as a form (`application/x-www-form-urlencoded`). The form is also the OAuth2 password form that Swagger UI's Authorize sends to this `tokenUrl`: `username` (the email) instead of `email`; `grant_type`, `scope`, `client_id` and `client_secret` are accepted and ignored. Any other Content-Type is a 415.",
    // Both media types share one schema, JSON first: generators then make one argument of it and
    // send JSON (with two schemas, orval typed a union and sent it with no Content-Type, and through
    // a shared requestBodies entry swagger-typescript-api lost the Content-Type);
    // test/generated-clients.e2e-spec.ts checks what each sends.
    requestBody: {
      required: true,
      content: {
        [JSON_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(UserLoginRequest) } },
        [FORM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(UserLoginRequest) } },
      },
    },
  })
  @ApiResponse({ status: 200, type: TokenResponse, description: 'A bearer token' })
  @ApiErrorResponses(
    { status: 401, detail: 'Incorrect email or password', description: 'Wrong email or password (or no such account)' },
    413,
    { status: 415, detail: unsupportedMediaTypeDetail([JSON_MEDIA_TYPE, FORM_MEDIA_TYPE], 'text/plain') },
    { status: 422, issue: { loc: ['body', 'password'], msg: 'Field required', type: 'missing' } },
  )
  login(@LoginCredentials(new LoginValidationPipe()) credentials: UserLoginRequest): Promise<TokenResponse> {
    return this.auth.login(credentials);
  }

  @Get('me')
  @ApiDeveloperAuth()
  @ApiOperation({
    operationId: 'getCurrentUser',
    summary: 'Get Current User',
    description: 'The developer the bearer token belongs to.',
  })
  @ApiResponse({ status: 200, type: UserResponse })
  @ApiErrorResponses(401, { status: 403, detail: 'Developer role required' })
  async me(@CurrentUser() current: AuthenticatedUser): Promise<UserResponse> {
    const user = await this.users.findById(current.id);
    if (!user) throw new NotFoundException('User not found');
    return UserResponse.from(user);
  }
}
