import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { isUuid } from '../common/uuid';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { AccessTokenClaims } from './authenticated-user';

/** The token's subject, not yet checked against the users table (JwtAuthGuard or a route guard does that). */
export interface TokenSubject {
  id: string;
}

/** Verifies `Authorization: Bearer <HS256 JWT>`: signature, algorithm, expiry and a UUID subject. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
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

  validate(claims: AccessTokenClaims): TokenSubject {
    if (!isUuid(claims.sub)) throw new UnauthorizedException('Could not validate credentials');
    return { id: claims.sub.toLowerCase() };
  }
}
