import { createSecretKey, type KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { ExtractJwt } from 'passport-jwt';
import { isUuid } from '../common/uuid';
import type { AuthConfig } from './auth.config';
import type { AccessTokenClaims } from './authenticated-user';

/** How far in the future `iat` / `nbf` may be (clocks of issuer and verifier differ a little). */
const CLOCK_SKEW_SECONDS = 60;

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The algorithm of our access tokens, the only one accepted. */
export const ACCESS_TOKEN_ALGORITHMS = ['HS256'] as const;

/** JWT_SECRET as a KeyObject, made once: given a string, jsonwebtoken builds one on every verification. */
export function accessTokenKey(config: Pick<AuthConfig, 'jwtSecret'>): KeyObject {
  return createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
}

/**
 * The subject of claims whose signature has been verified, lower-cased, when the token is usable: a
 * required `exp` (jsonwebtoken checks it only when present), `iat` and `nbf` (when present) no more
 * than CLOCK_SKEW_SECONDS ahead, and a UUID subject; undefined otherwise.
 */
export function subjectOfClaims(claims: AccessTokenClaims & { nbf?: unknown }): string | undefined {
  const latest = Math.floor(Date.now() / 1000) + CLOCK_SKEW_SECONDS;
  const timesOk =
    isNumericDate(claims.exp) &&
    (claims.iat === undefined || (isNumericDate(claims.iat) && claims.iat <= latest)) &&
    (claims.nbf === undefined || (isNumericDate(claims.nbf) && claims.nbf <= latest));
  return timesOk && isUuid(claims.sub) ? claims.sub.toLowerCase() : undefined;
}

/** Verified tokens remembered, so that a client sending the same token again costs a lookup. */
const MAX_REMEMBERED_TOKENS = 1024;

/**
 * Reads the developer an `Authorization: Bearer <token>` header speaks for, with the checks of the
 * bearer guard (JwtStrategy): signature (HS256 with JWT_SECRET), expiry, `iat`/`nbf`, UUID subject.
 * Undefined for a missing, malformed, forged or expired token. For limits counted before the guard
 * runs (per-developer limits): keyed on a subject nobody can claim without a signed token. Tokens
 * that verified are remembered until they expire (at most MAX_REMEMBERED_TOKENS, then forgotten all
 * at once); the user row is not read (the guard does that).
 */
export function verifiedSubjectReader(
  config: Pick<AuthConfig, 'jwtSecret'>,
): (authorization?: string) => string | undefined {
  const jwt = new JwtService({});
  const secret = accessTokenKey(config);
  const remembered = new Map<string, { subject: string; expiresAtMs: number }>();
  // The bearer guard's own extractor: both read the same token out of the same header.
  const extract = ExtractJwt.fromAuthHeaderAsBearerToken();
  return (authorization) => {
    if (typeof authorization !== 'string') return undefined;
    const token = extract({ headers: { authorization } });
    if (!token) return undefined;
    const known = remembered.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.subject;
    let claims: AccessTokenClaims;
    try {
      claims = jwt.verify<AccessTokenClaims>(token, {
        // The KeyObject is accepted by jsonwebtoken 9; @nestjs/jwt's typings say string or Buffer.
        secret: secret as unknown as string,
        algorithms: [...ACCESS_TOKEN_ALGORITHMS],
        ignoreNotBefore: true,
      });
    } catch {
      return undefined;
    }
    const subject = subjectOfClaims(claims);
    if (subject === undefined) return undefined;
    if (remembered.size >= MAX_REMEMBERED_TOKENS) remembered.clear();
    remembered.set(token, { subject, expiresAtMs: (claims.exp as number) * 1000 });
    return subject;
  };
}
