import { type ConfigOf, defineConfig, isProduction, parseDurationSeconds } from '../config/config-area';

/** Access tokens: JWT_SECRET (HS256) and JWT_EXPIRES_IN. */
export const authConfig = defineConfig('auth', (env, problems) => {
  const jwtSecret = env.JWT_SECRET ?? '';
  if (!jwtSecret)
    problems.push(isProduction(env) ? 'JWT_SECRET is required when NODE_ENV=production' : 'JWT_SECRET is required');
  else {
    const problem = jwtSecretProblem(jwtSecret);
    if (problem) problems.push(problem);
  }
  const jwtExpiresInSeconds = parseDurationSeconds(env.JWT_EXPIRES_IN ?? '1h');
  if (jwtExpiresInSeconds === undefined) problems.push('JWT_EXPIRES_IN must be a duration such as 3600, 60m or 1h');
  /** `jwtExpiresInSeconds`: seconds until an access token expires. */
  return { jwtSecret, jwtExpiresInSeconds: jwtExpiresInSeconds ?? 3600 };
});
export type AuthConfig = ConfigOf<typeof authConfig>;

/**
 * Refuses a JWT_SECRET that is short or guessable: fewer than 16 characters, fewer than 8 distinct
 * characters, a short pattern repeated, or under 40 bits by a per-character (Shannon) estimate.
 * A random secret of 16+ base64 characters passes; `aaaaaaaaaaaaaaaa` or `abcdabcdabcdabcd` do not.
 */
export function jwtSecretProblem(secret: string): string | undefined {
  const advice =
    "use a random value, e.g. node -e \"console.log(require('crypto').randomBytes(48).toString('base64url'))\"";
  if (secret.length < 16) return `JWT_SECRET must be at least 16 characters long (${advice})`;
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...secret].length;
  const bits = [...counts.values()].reduce((sum, n) => sum - n * Math.log2(n / length), 0);
  const repeated = /^(.{1,8}?)\1+$/s.test(secret);
  if (counts.size < 8 || repeated || bits < 40)
    return `JWT_SECRET is too predictable (${counts.size} distinct characters, about ${Math.floor(bits)} bits): ${advice}`;
  return undefined;
}
