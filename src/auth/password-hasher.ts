import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost as log2(N), with r=8 and p=1. 15 (N=2^15, 32 MiB and tens of milliseconds of a core per
 * hash) is OWASP's minimum for scrypt and the default; production refuses less (auth.config.ts).
 * The parameters are stored with each hash, so changing the cost never invalidates stored passwords.
 */
export const PASSWORD_HASH_COST = { default: 15, min: 10, productionMin: 15, max: 16 } as const;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
/** Room for the largest cost accepted (128 · N · r bytes at N=2^16), with Node's slack. */
const MAX_MEMORY = 2 * 128 * 2 ** PASSWORD_HASH_COST.max * R;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64). Node's built-in scrypt: no native addon to build. */
export async function hashPassword(password: string, cost: number = PASSWORD_HASH_COST.default): Promise<string> {
  const n = 2 ** cost;
  const salt = randomBytes(16);
  const key = await derive(password, salt, n, R, P);
  return ['scrypt', n, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algo, n, r, p, saltB64, keyB64] = stored.split('$');
  if (algo !== 'scrypt' || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, 'base64');
  const actual = await derive(password, Buffer.from(saltB64, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
