import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Post } from '@nestjs/common';
import { AcceptsMediaTypes, FORM_MEDIA_TYPE, JSON_MEDIA_TYPE, unsupportedMediaTypeDetail } from '../http/request-body';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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
    summary: 'A developer account',
    value: { email: 'dev@example.com', password: 'correct-horse-battery', full_name: 'Ada Lovelace' },
  })
  @ApiOperation({
    operationId: 'register',
    summary: 'Register',
    description: 'Create a developer account and receive an access token.',
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
    summary: 'Email and password (JSON)',
    value: { email: 'dev@example.com', password: 'correct-horse-battery' },
  })
  @ApiOperation({
    operationId: 'login',
    summary: 'Login',
    description:
      "Exchange email and password (JSON) for a bearer token. Also accepts the OAuth2 password form, which Swagger UI's Authorize sends to this `tokenUrl`: `application/x-www-form-urlencoded` with `username` (the email) and `password`; `grant_type`, `scope`, `client_id` and `client_secret` are accepted and ignored. The form is described here rather than as a second request body, so that generated clients get one JSON argument. Any other Content-Type is a 415.",
  })
  // The JSON body only: with the form as a second media type, generators merged both into one
  // union argument and sent it with no usable Content-Type.
  @ApiBody({ required: true, type: UserLoginRequest })
  @ApiResponse({ status: 200, type: TokenResponse, description: 'A bearer token' })
  @ApiErrorResponses(
    { status: 401, detail: 'Incorrect email or password' },
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
