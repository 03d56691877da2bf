import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/decorators/api-error-responses.decorator';
import { ApiDeveloperAuth } from '../common/decorators/api-developer-auth.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { LoginRateLimit, SignUpRateLimitResponse } from '../common/rate-limit/rate-limit.decorators';
import { CurrentRequestMeta, type RequestMeta } from '../common/request-context';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { AuthenticatedUser } from './authenticated-user';
import { RegistrationResponse, TokenResponse, UserResponse } from './dto/auth-response.dto';
import { UserCreateRequest, UserLoginRequest } from './dto/register.dto';
import { LoginCredentials, LoginValidationPipe } from './login-credentials.decorator';
import { NotFoundException } from '@nestjs/common';

@ApiTags('Authentication')
@ApiErrorResponses(503)
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('register')
  @ApiOperation({
    operationId: 'register',
    summary: 'Register',
    description: 'Create a developer account and receive an access token.',
  })
  @ApiResponse({ status: 201, type: RegistrationResponse, description: 'The new developer, with an access token' })
  @ApiErrorResponses(409, 413, 415, 422)
  @SignUpRateLimitResponse()
  register(@Body() body: UserCreateRequest, @CurrentRequestMeta() meta: RequestMeta): Promise<RegistrationResponse> {
    return this.auth.register(body, meta.clientIp ?? 'unknown');
  }

  @Public()
  @Post('login')
  @LoginRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'login',
    summary: 'Login',
    description:
      "Exchange email and password for a bearer token. Also accepts the OAuth2 password form (`application/x-www-form-urlencoded` with `grant_type=password`, `username` = email and `password`), the `tokenUrl` of the OAuth2PasswordBearer scheme, which Swagger UI's Authorize uses.",
  })
  // The JSON body; the OAuth2 form's own schema is added by finalizeOpenApiDocument (@nestjs/swagger
  // would give every media type of an operation this same schema).
  @ApiBody({ required: true, type: UserLoginRequest })
  @ApiResponse({ status: 200, type: TokenResponse, description: 'A bearer token' })
  @ApiErrorResponses(401, 413, 415, 422)
  login(@LoginCredentials(new LoginValidationPipe()) credentials: UserLoginRequest): Promise<TokenResponse> {
    return this.auth.login(credentials);
  }

  @Get('me')
  @ApiDeveloperAuth()
  @ApiOperation({
    operationId: 'getCurrentUser',
    summary: 'Read Users Me',
    description: 'The developer the bearer token belongs to.',
  })
  @ApiResponse({ status: 200, type: UserResponse })
  @ApiErrorResponses(401, 403)
  async me(@CurrentUser() current: AuthenticatedUser): Promise<UserResponse> {
    const user = await this.users.findById(current.id);
    if (!user) throw new NotFoundException('User not found');
    return UserResponse.from(user);
  }
}
