import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Env, isProduction } from './config-area';

/** Where development data (embedded database, generated dev secrets) lives: DATA_DIR, default ./.data. */
export function dataDirOf(env: Env): string {
  return env.DATA_DIR ?? join(process.cwd(), '.data');
}

interface DevSecrets {
  JWT_SECRET: string;
  ENCRYPTION_KEYS: string;
}

/**
 * Outside production a developer should not have to invent secrets: a missing JWT_SECRET or
 * ENCRYPTION_KEYS is generated once and kept under the data folder, so that restarts can still decrypt
 * what was stored. Returns `env` with both filled in (production: `env` itself, they are required).
 * Processes sharing the data folder that start together agree on one file (see createExclusively);
 * instances on other machines cannot share it: they need JWT_SECRET and ENCRYPTION_KEYS set.
 */
export function withDevelopmentSecrets(env: Env, onNotice: (msg: string) => void): Env {
  if (isProduction(env) || (env.JWT_SECRET && env.ENCRYPTION_KEYS)) return env;
  const dev = loadOrCreateDevSecrets(join(dataDirOf(env), 'dev-secrets.json'), onNotice);
  return {
    ...env,
    JWT_SECRET: env.JWT_SECRET || dev.JWT_SECRET,
    ENCRYPTION_KEYS: env.ENCRYPTION_KEYS || dev.ENCRYPTION_KEYS,
  };
}

function loadOrCreateDevSecrets(file: string, onNotice: (msg: string) => void): DevSecrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  if (!createExclusively(file, JSON.stringify(secrets, null, 2))) {
    // Another process created it first: use its secrets, or the two would not understand each other.
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  }
  onNotice(
    `Generated development JWT_SECRET and ENCRYPTION_KEYS in ${file} (never used in production; ` +
      'several instances on more than one machine need the same JWT_SECRET and ENCRYPTION_KEYS set explicitly)',
  );
  return secrets;
}

/**
 * Creates `file` (mode 0600) with `content` unless it exists; false when it did. Written to a temporary
 * file first and then hard-linked into place, which is atomic: a concurrent reader never sees a
 * half-written file, and of two concurrent creators exactly one wins.
 */
export function createExclusively(file: string, content: string): boolean {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
