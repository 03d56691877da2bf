import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { authConfig, type AuthConfig } from './auth.config';
import type { AccessTokenClaims } from './authenticated-user';
import { ACCESS_TOKEN_ALGORITHMS, accessTokenKey, subjectOfClaims } from './token-subject';

/** The token's subject, not yet checked against the users table (JwtAuthGuard or a route guard does that). */
export interface TokenSubject {
  id: string;
}

/**
 * Verifies `Authorization: Bearer <HS256 JWT>`: signature, algorithm, a required `exp` in the future,
 * `iat` and `nbf` (when present) no more than CLOCK_SKEW_SECONDS ahead, and a UUID subject.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(authConfig.KEY) config: AuthConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject made once: given a string, jsonwebtoken tries to parse it as a PEM public key and
      // then builds a secret key on every request (a measurable CPU cost, docs/benchmarks.md).
      // passport-jwt's typings predate KeyObject support; jsonwebtoken 9 accepts one.
      secretOrKey: accessTokenKey(config) as unknown as string,
      algorithms: [...ACCESS_TOKEN_ALGORITHMS],
      ignoreExpiration: false,
      // jsonwebtoken allows no skew for nbf and none at all for iat: both are checked in validate().
      jsonWebTokenOptions: { ignoreNotBefore: true },
    });
  }

  validate(claims: AccessTokenClaims & { nbf?: unknown }): TokenSubject {
    const id = subjectOfClaims(claims);
    if (id === undefined) throw new UnauthorizedException('Could not validate credentials');
    return { id };
  }
}
