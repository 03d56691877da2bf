import {
  type ConfigOf,
  defineConfig,
  type Env,
  isProduction,
  parseDurationSeconds,
  positiveInteger,
} from '../config/config-area';
import { PASSWORD_HASH_COST } from './password-hasher';

/**
 * Password hashing (scrypt, 32 MiB and tens of milliseconds each) runs on libuv's thread pool
 * (UV_THREADPOOL_SIZE, 4 by default), which file and DNS work share: sign-ups get one thread and
 * logins two, so that a flood of either leaves the other, and the pool's other users, a thread. Beyond
 * `maxWaiting` waiting hashes, or `maxWaitMs` of waiting, a request is a 503 at once (ConcurrencyGate).
 */
export const DEFAULT_HASHING = {
  signUp: { concurrency: 1, maxWaiting: 20, maxWaitMs: 5000 },
  login: { concurrency: 2, maxWaiting: 100, maxWaitMs: 5000 },
} as const;

/** Access tokens: JWT_SECRET (HS256) and JWT_EXPIRES_IN; the password hashing gates. */
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
  return {
    jwtSecret,
    /** Seconds until an access token expires. */
    jwtExpiresInSeconds: jwtExpiresInSeconds ?? 3600,
    /** How many password hashes run at once, and how many may wait, for sign-ups and for logins. */
    hashing: parseHashing(env, problems),
    /** scrypt cost of new password hashes, log2(N) (PASSWORD_HASH_COST). */
    passwordHashCost: parsePasswordHashCost(env, problems),
  };
});
export type AuthConfig = ConfigOf<typeof authConfig>;

/** PASSWORD_HASH_COST: 10–16, at least 15 in production (tests and development may hash faster). */
function parsePasswordHashCost(env: Env, problems: string[]): number {
  const cost = positiveInteger(env, 'PASSWORD_HASH_COST', PASSWORD_HASH_COST.default, problems);
  const min = isProduction(env) ? PASSWORD_HASH_COST.productionMin : PASSWORD_HASH_COST.min;
  if (cost < min || cost > PASSWORD_HASH_COST.max) {
    problems.push(
      `PASSWORD_HASH_COST must be between ${min} and ${PASSWORD_HASH_COST.max}` +
        (isProduction(env) ? ' when NODE_ENV=production' : ''),
    );
    return PASSWORD_HASH_COST.default;
  }
  return cost;
}

function parseHashing(env: Env, problems: string[]) {
  const maxWaitMs = positiveInteger(env, 'HASHING_MAX_WAIT_MS', DEFAULT_HASHING.login.maxWaitMs, problems);
  const gate = (prefix: string, defaults: { concurrency: number; maxWaiting: number }) => ({
    concurrency: positiveInteger(env, `${prefix}_CONCURRENCY`, defaults.concurrency, problems),
    maxWaiting: positiveInteger(env, `${prefix}_MAX_WAITING`, defaults.maxWaiting, problems),
    maxWaitMs,
  });
  const hashing = {
    signUp: gate('SIGN_UP_HASHING', DEFAULT_HASHING.signUp),
    login: gate('LOGIN_HASHING', DEFAULT_HASHING.login),
  };
  // At least one thread of the pool stays free for the work that is not hashing.
  const threads = Number(env.UV_THREADPOOL_SIZE) || 4;
  if (hashing.signUp.concurrency + hashing.login.concurrency >= threads)
    problems.push(
      `SIGN_UP_HASHING_CONCURRENCY + LOGIN_HASHING_CONCURRENCY must be below the thread pool size (UV_THREADPOOL_SIZE, ${threads})`,
    );
  return hashing;
}

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
