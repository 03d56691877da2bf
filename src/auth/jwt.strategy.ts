import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import type { AccessTokenClaims, AuthenticatedUser } from './authenticated-user';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Verifies `Authorization: Bearer <HS256 JWT>` and that its user still exists and is active. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject made once: given a string, jsonwebtoken tries to parse it as a PEM public key and
      // then builds a secret key on every request (~0.5 ms of CPU each, measured in docs/benchmarks.md).
      // passport-jwt's typings predate KeyObject support; jsonwebtoken 9 accepts one.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as string,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    if (typeof claims.sub !== 'string' || !UUID.test(claims.sub))
      throw new UnauthorizedException('Could not validate credentials');
    const user = await this.users.findById(claims.sub);
    if (!user || !user.isActive) throw new UnauthorizedException('Could not validate credentials');
    // The role is read from the database, not trusted from the token.
    return { id: user.id, email: user.email, role: user.role };
  }
}
