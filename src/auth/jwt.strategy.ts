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
      secretOrKey: config.jwtSecret,
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
