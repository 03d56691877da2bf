import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { isUuid } from '../common/uuid';
import { authConfig, type AuthConfig } from './auth.config';
import type { AccessTokenClaims } from './authenticated-user';

/** The token's subject, not yet checked against the users table (JwtAuthGuard or a route guard does that). */
export interface TokenSubject {
  id: string;
}

/** How far in the future `iat` / `nbf` may be (clocks of issuer and verifier differ a little). */
const CLOCK_SKEW_SECONDS = 60;

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

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
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as string,
      algorithms: ['HS256'],
      ignoreExpiration: false,
      // jsonwebtoken allows no skew for nbf and none at all for iat: both are checked in validate().
      jsonWebTokenOptions: { ignoreNotBefore: true },
    });
  }

  validate(claims: AccessTokenClaims & { nbf?: unknown }): TokenSubject {
    // jsonwebtoken checks exp only when it is there: a token without one would never expire.
    const latest = Math.floor(Date.now() / 1000) + CLOCK_SKEW_SECONDS;
    const timesOk =
      isNumericDate(claims.exp) &&
      (claims.iat === undefined || (isNumericDate(claims.iat) && claims.iat <= latest)) &&
      (claims.nbf === undefined || (isNumericDate(claims.nbf) && claims.nbf <= latest));
    if (!timesOk || !isUuid(claims.sub)) throw new UnauthorizedException('Could not validate credentials');
    return { id: claims.sub.toLowerCase() };
  }
}
