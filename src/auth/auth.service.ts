import { ConflictException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { authConfig, type AuthConfig } from './auth.config';
import type { AccessTokenClaims } from './authenticated-user';
import { RegistrationResponse, TokenResponse, UserResponse } from './dto/auth-response.dto';
import { UserCreateRequest, UserLoginRequest } from './dto/register.dto';
import { SignUpRateLimiter } from '../rate-limit/sign-up-rate-limiter';
import { ConcurrencyGate } from '../common/concurrency-gate';
import { RetryLaterException } from '../http/retry-later.exception';
import { hashPassword, verifyPassword } from './password-hasher';

/**
 * scrypt runs on libuv's small thread pool (4 threads), which a flood of hashes would otherwise fill
 * for everyone (logins, file and DNS work): beyond the gates, a 503 with Retry-After.
 */
function busy(): RetryLaterException {
  return new RetryLaterException('The service is busy, retry later.', 1);
}

@Injectable()
export class AuthService {
  /** Password hashes run through these (AuthConfig.hashing): a flood of one kind leaves the other a thread. */
  private readonly signUpHashing: ConcurrencyGate;
  private readonly loginHashing: ConcurrencyGate;
  /** Compared against when the email is unknown, so that a wrong email costs as much time as a wrong password. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly signUpLimit: SignUpRateLimiter,
  ) {
    this.signUpHashing = new ConcurrencyGate(config.hashing.signUp, busy);
    this.loginHashing = new ConcurrencyGate(config.hashing.login, busy);
  }

  /** `clientIp`: sign-ups are limited per client (RATE_LIMIT_REGISTER), counted before the costly hash. */
  async register(input: UserCreateRequest, clientIp: string): Promise<RegistrationResponse> {
    await this.signUpLimit.consume(clientIp);
    const passwordHash = await this.signUpHashing.run(() => hashPassword(input.password, this.config.passwordHashCost));
    const user = await this.users.create({
      email: input.email,
      passwordHash,
      fullName: input.full_name ?? null,
    });
    if (!user) throw new ConflictException('A user with this email already exists');
    const token = await this.issueToken(user);
    return Object.assign(new RegistrationResponse(), UserResponse.from(user), {
      access_token: token.access_token,
      refresh_token: null,
      token_type: token.token_type,
    });
  }

  async login(input: UserLoginRequest): Promise<TokenResponse> {
    const user = await this.users.findByEmail(input.email);
    const stored = user?.passwordHash ?? (await this.unknownEmailHash());
    const ok = await this.loginHashing.run(() => verifyPassword(input.password, stored));
    if (!user || !ok) throw new UnauthorizedException('Incorrect email or password');
    if (!user.isActive) throw new UnauthorizedException('Inactive user');
    return this.issueToken(user);
  }

  private unknownEmailHash(): Promise<string> {
    this.dummyHash ??= hashPassword('dummy-password-for-timing', this.config.passwordHashCost);
    return this.dummyHash;
  }

  async issueToken(user: User): Promise<TokenResponse> {
    const claims: AccessTokenClaims = { sub: user.id, role: user.role };
    const accessToken = await this.jwt.signAsync(claims, {
      secret: this.config.jwtSecret,
      algorithm: 'HS256',
      expiresIn: this.config.jwtExpiresInSeconds,
    });
    return Object.assign(new TokenResponse(), { access_token: accessToken, refresh_token: null, token_type: 'bearer' });
  }
}
