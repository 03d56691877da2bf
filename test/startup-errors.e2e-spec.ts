import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEncryptionKey } from './helpers/test-app';

interface Run {
  code: number | null;
  lines: string[];
}

/** Starts an entry point (src/main.ts by default) in a child process and waits (at most 60 s) for it to exit. */
function start(env: Record<string, string>, entry = 'src/main.ts'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', entry], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: 'test/tsconfig.spawn.json',
        HOST: '127.0.0.1',
        PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not exit within 60 s:\n${output}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, lines: output.split('\n').filter((line) => line.trim() !== '') });
    });
  });
}

/** Every line of the output is a JSON log line; returns them parsed. */
function jsonLines(run: Run): { level: number; msg: string }[] {
  return run.lines.map((line) => {
    try {
      return JSON.parse(line) as { level: number; msg: string };
    } catch {
      throw new Error(`not a JSON log line: ${line}`);
    }
  });
}

/** The real entry point refuses a bad production configuration, with JSON log lines like every other. */
describe('Start-up refusals (e2e, src/main.ts in a child process)', () => {
  const good = () => ({
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEYS: testEncryptionKey(),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'scs-startup-')),
  });

  it('a low-entropy JWT_SECRET: exit 1 with one JSON line naming JWT_SECRET, the secret not in it', async () => {
    const secret = 'a'.repeat(16);
    const run = await start({ ...good(), JWT_SECRET: secret, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(run.code).toBe(1);
    const lines = jsonLines(run);
    const fatal = lines.filter((line) => line.level >= 50);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].msg).toMatch(/JWT_SECRET is too predictable/);
    expect(run.lines.join('\n')).not.toContain(secret);
  }, 90_000);

  it('NODE_ENV=production without DATABASE_URL: exit 1 naming DATABASE_URL, no embedded PostgreSQL started', async () => {
    const env = good();
    const run = await start(env);
    expect(run.code).toBe(1);
    const lines = jsonLines(run);
    expect(lines.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual([
      expect.stringMatching(/DATABASE_URL is required when NODE_ENV=production/),
    ]);
    expect(run.lines.join('\n')).not.toMatch(/embedded PostgreSQL/i);
    expect(readdirSync(env.DATA_DIR)).toEqual([]);
  }, 90_000);

  it('the production entry point requires DATABASE_URL whatever NODE_ENV says, and never starts PostgreSQL', async () => {
    const env = { ...good(), NODE_ENV: 'test' };
    const run = await start(env);
    expect(run.code).toBe(1);
    expect(
      jsonLines(run)
        .filter((line) => line.level >= 50)
        .map((line) => line.msg),
    ).toEqual([expect.stringMatching(/DATABASE_URL is required \(`npm start` runs an embedded PostgreSQL/)]);
    expect(readdirSync(env.DATA_DIR)).toEqual([]);
  }, 90_000);

  it('the development entry point (npm start) validates before starting the embedded PostgreSQL', async () => {
    const env = { ...good(), NODE_ENV: 'test', JWT_SECRET: 'a'.repeat(16), EMBEDDED_POSTGRES_PORT: 'abc' };
    const run = await start(env, 'src/main.dev.ts');
    expect(run.code).toBe(1);
    const fatal = jsonLines(run).filter((line) => line.level >= 50);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].msg).toMatch(/EMBEDDED_POSTGRES_PORT must be an integer[\s\S]*JWT_SECRET is too predictable/);
    expect(run.lines.join('\n')).not.toMatch(/starting the embedded PostgreSQL/i);
    expect(readdirSync(env.DATA_DIR)).toEqual([]);
  }, 90_000);
});
