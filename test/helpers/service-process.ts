import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEncryptionKey } from './test-app';

/**
 * The real entry point (src/main.ts, through ts-node) in a child process, with a minimal environment:
 * fresh secrets, its own data folder, and whatever `env` adds or overrides. For the tests that need a
 * whole process (signals, exit codes, the heap limit, start-up lines).
 */
export function spawnService(
  options: { env?: Record<string, string | undefined>; nodeArgs?: string[] } = {},
): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '-r', 'ts-node/register/transpile-only', 'src/main.ts'],
    {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        TS_NODE_PROJECT: 'test/tsconfig.spawn.json',
        HOST: '127.0.0.1',
        JWT_SECRET: randomBytes(32).toString('base64url'),
        ENCRYPTION_KEYS: testEncryptionKey(),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'scs-service-')),
        PASSWORD_HASH_COST: '10',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}
