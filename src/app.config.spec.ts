import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtSecretProblem } from './auth/auth.config';
import { DEFAULT_DATABASE_DEADLINES } from './database/database.config';
import { developmentDatabase } from './database/embedded-postgres';
import { loadConfig } from './app.config';
import { ConfigError, parseDurationSeconds } from './config/config-area';
import { createExclusively } from './config/dev-secrets';

const key = () => `k1:${randomBytes(32).toString('base64')}`;
const SECRET = randomBytes(32).toString('base64url');
const DATABASE_URL = 'postgres://db/x';

describe('loadConfig', () => {
  it('refuses to start in production without JWT_SECRET and ENCRYPTION_KEYS, naming both', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (error) {
      expect((error as Error).message).toContain('JWT_SECRET');
      expect((error as Error).message).toContain('ENCRYPTION_KEYS');
    }
  });

  it('generates development secrets once and reuses them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const notices: string[] = [];
    const first = loadConfig({ DATA_DIR: dataDir, DATABASE_URL }, (n) => notices.push(n));
    const second = loadConfig({ DATA_DIR: dataDir, DATABASE_URL }, (n) => notices.push(n));
    expect(first.auth.jwtSecret).toBe(second.auth.jwtSecret);
    expect(first.credentials.encryptionKeys[0].key.equals(second.credentials.encryptionKeys[0].key)).toBe(true);
    expect(notices).toHaveLength(1);
    expect(notices[0]).not.toContain(first.auth.jwtSecret);
    expect(JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')).JWT_SECRET).toBe(first.auth.jwtSecret);
  });

  it('creates the dev secrets file exclusively: a second creator keeps the first one’s content', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dataDir, 'dev-secrets.json');
    expect(createExclusively(file, 'first')).toBe(true);
    expect(createExclusively(file, 'second')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // No temporary file is left behind.
    expect(readdirSync(dataDir)).toEqual(['dev-secrets.json']);
  });

  it('reads defaults', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: key(), DATABASE_URL });
    expect(config).toMatchObject({
      http: { port: 3000, host: '0.0.0.0' },
      webhookUrls: { publicBaseUrl: 'http://localhost:3000' },
      stripeApi: { apiBase: 'https://api.stripe.com', timeoutMs: 8000 },
      auth: { jwtExpiresInSeconds: 3600 },
    });
    expect(developmentDatabase({}).port).toBe(54329);
  });

  it('reads EMBEDDED_POSTGRES_PORT (the development entry point) and HOST', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: key(), DATABASE_URL, HOST: '127.0.0.1' });
    expect(config.http.host).toBe('127.0.0.1');
    expect(developmentDatabase({ EMBEDDED_POSTGRES_PORT: '55432' })).toMatchObject({
      port: 55432,
      url: 'postgres://postgres:postgres@127.0.0.1:55432/stripe_config',
    });
  });

  it('parses a key ring, first key first', () => {
    const k2 = `k2:${randomBytes(32).toString('base64')}`;
    const config = loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: `${k2},${key()}`, DATABASE_URL });
    expect(config.credentials.encryptionKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
  });

  it('is frozen: the validated configuration is never changed', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      ENCRYPTION_KEYS: key(),
      DATABASE_URL,
      CORS_ORIGINS: 'https://a.b',
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database.deadlines)).toBe(true);
    expect(Object.isFrozen(config.http.corsOrigins)).toBe(true);
    expect(Object.isFrozen(config.credentials.encryptionKeys[0])).toBe(true);
    expect(() => {
      (config.database as { url: string }).url = 'postgres://elsewhere/x';
    }).toThrow(TypeError);
  });

  it.each([
    [{ ENCRYPTION_KEYS: 'k1:short' }, 'ENCRYPTION_KEYS'],
    [{ ENCRYPTION_KEYS: 'nocolon' }, 'ENCRYPTION_KEYS'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ JWT_EXPIRES_IN: 'soon' }, 'JWT_EXPIRES_IN'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ STRIPE_API_BASE: 'ftp://x' }, 'STRIPE_API_BASE'],
    [{ PORT: '' }, 'PORT'],
    [{ PORT: '80.5' }, 'PORT'],
    [{ STRIPE_TIMEOUT_MS: 'soon' }, 'STRIPE_TIMEOUT_MS'],
    [{ HOST: '' }, 'HOST'],
    [{ NODE_ENV: 'production', JWT_SECRET: '' }, 'JWT_SECRET'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: key(), DATABASE_URL, ...env })).toThrow(name);
  });

  it.each(['abc', '70000', '0'])('the development entry point rejects EMBEDDED_POSTGRES_PORT=%s', (port) => {
    const problems: string[] = [];
    developmentDatabase({ EMBEDDED_POSTGRES_PORT: port }, problems);
    expect(problems).toEqual(['EMBEDDED_POSTGRES_PORT must be an integer between 1 and 65535']);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: key(), DATABASE_URL }, undefined, problems)).toThrow(
      /EMBEDDED_POSTGRES_PORT/,
    );
  });

  it('parses durations', () => {
    expect(parseDurationSeconds('3600')).toBe(3600);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('1h')).toBe(3600);
    expect(parseDurationSeconds('0')).toBeUndefined();
  });
});

describe('loadConfig: operations settings', () => {
  const base = {
    NODE_ENV: 'test',
    JWT_SECRET: SECRET,
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
    DATABASE_URL,
  };

  it('has safe defaults: info logs, CORS off, login 10/min per IP+email', () => {
    const config = loadConfig(base);
    expect(config.logging.level).toBe('info');
    expect(config.http.corsOrigins).toEqual([]);
    expect(config.rateLimits.loginPerEmail).toEqual({ limit: 10, ttlSeconds: 60 });
  });

  it('parses CORS origins and rate limits', () => {
    const config = loadConfig({
      ...base,
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com/',
      RATE_LIMIT_LOGIN: '5/1m',
      RATE_LIMIT_STRIPE: '0',
    });
    expect(config.http.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.rateLimits.loginPerEmail).toEqual({ limit: 5, ttlSeconds: 60 });
    expect(config.rateLimits.stripeCalls.limit).toBe(0);
  });

  it('names each bad operations setting', () => {
    expect(() =>
      loadConfig({ ...base, LOG_LEVEL: 'loud', CORS_ORIGINS: 'https://a.example.com/path', RATE_LIMIT_LOGIN: 'ten' }),
    ).toThrow(/LOG_LEVEL[\s\S]*CORS_ORIGINS[\s\S]*RATE_LIMIT_LOGIN/);
  });

  it('keeps rate-limit counters in PostgreSQL by default, in memory on request', () => {
    expect(loadConfig(base).rateLimits.store).toBe('postgres');
    expect(loadConfig({ ...base, RATE_LIMIT_STORE: 'memory' }).rateLimits.store).toBe('memory');
    expect(loadConfig({ ...base, RATE_LIMIT_STORE: ' Postgres ' }).rateLimits.store).toBe('postgres');
    expect(() => loadConfig({ ...base, RATE_LIMIT_STORE: 'redis' })).toThrow(
      /RATE_LIMIT_STORE must be one of postgres, memory/,
    );
  });

  it('trusts no proxy by default; TRUST_PROXY takes a hop count or proxy addresses, never "true"', () => {
    expect(loadConfig(base).http.trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 192.168.1.10,::1' }).http.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.10',
      '::1',
    ]);
    for (const bad of ['true', '0', 'proxy.example.com', '10.0.0.1,', '*'])
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY must be a hop count/);
  });

  it('reads DATABASE_POOL_SIZE (default 10) and refuses nonsense', () => {
    expect(loadConfig(base).database.poolSize).toBe(10);
    expect(loadConfig({ ...base, DATABASE_POOL_SIZE: '25' }).database.poolSize).toBe(25);
    for (const bad of ['0', '1', 'ten', '2.5', '-3', ''])
      expect(() => loadConfig({ ...base, DATABASE_POOL_SIZE: bad })).toThrow(/DATABASE_POOL_SIZE must be an integer/);
  });

  it('re-checks keys every 24 h by default; HEALTH_CHECK_INTERVAL changes or disables it; the rate cap is validated', () => {
    expect(loadConfig(base).healthCheck).toEqual({ intervalMs: 86_400_000, maxCallsPerSecond: 5 });
    expect(loadConfig({ ...base, HEALTH_CHECK_INTERVAL: '30m' }).healthCheck.intervalMs).toBe(1_800_000);
    expect(loadConfig({ ...base, HEALTH_CHECK_INTERVAL: 'off' }).healthCheck.intervalMs).toBeNull();
    expect(loadConfig({ ...base, HEALTH_CHECK_INTERVAL: '0' }).healthCheck.intervalMs).toBeNull();
    expect(loadConfig({ ...base, HEALTH_CHECK_RATE: '20' }).healthCheck.maxCallsPerSecond).toBe(20);
    expect(() => loadConfig({ ...base, HEALTH_CHECK_INTERVAL: 'daily' })).toThrow(/HEALTH_CHECK_INTERVAL/);
    expect(() => loadConfig({ ...base, HEALTH_CHECK_RATE: '0' })).toThrow(/HEALTH_CHECK_RATE/);
    expect(() => loadConfig({ ...base, HEALTH_CHECK_RATE: '2.5' })).toThrow(/HEALTH_CHECK_RATE/);
  });
});

describe('loadConfig: start-up refusals', () => {
  const base = { NODE_ENV: 'test', ENCRYPTION_KEYS: key(), DATABASE_URL };

  it.each([
    ['16 identical characters', 'a'.repeat(16)],
    ['a short pattern repeated', 'abcdabcdabcdabcd'],
    ['few distinct characters', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbcc'],
    ['too short', 'Xy7#kQ2!'],
  ])('refuses a JWT_SECRET that is %s, naming JWT_SECRET and never echoing it', (_name, secret) => {
    expect(jwtSecretProblem(secret)).toMatch(/JWT_SECRET/);
    let message = '';
    try {
      loadConfig({ ...base, JWT_SECRET: secret });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/JWT_SECRET/);
    expect(message).not.toContain(secret);
  });

  it('hashes passwords at scrypt cost 15 by default; PASSWORD_HASH_COST goes lower only outside production', () => {
    const base = { JWT_SECRET: SECRET, ENCRYPTION_KEYS: key(), DATABASE_URL };
    expect(loadConfig(base).auth.passwordHashCost).toBe(15);
    expect(loadConfig({ ...base, PASSWORD_HASH_COST: '10' }).auth.passwordHashCost).toBe(10);
    expect(() => loadConfig({ ...base, PASSWORD_HASH_COST: '9' })).toThrow(
      /PASSWORD_HASH_COST must be between 10 and 16/,
    );
    expect(() => loadConfig({ ...base, PASSWORD_HASH_COST: '17' })).toThrow(/PASSWORD_HASH_COST/);
    const production = { ...base, NODE_ENV: 'production' };
    expect(loadConfig({ ...production, PASSWORD_HASH_COST: '16' }).auth.passwordHashCost).toBe(16);
    expect(() => loadConfig({ ...production, PASSWORD_HASH_COST: '12' })).toThrow(
      /PASSWORD_HASH_COST must be between 15 and 16 when NODE_ENV=production/,
    );
  });

  it('accepts random secrets of 16+ characters', () => {
    for (let i = 0; i < 200; i += 1) expect(jwtSecretProblem(randomBytes(12).toString('base64url'))).toBeUndefined();
    expect(jwtSecretProblem(randomBytes(16).toString('hex'))).toBeUndefined();
    expect(loadConfig({ ...base, JWT_SECRET: SECRET }).auth.jwtSecret).toBe(SECRET);
  });

  it('refuses to start in production without DATABASE_URL; `npm start` (development) passes the embedded one', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: SECRET, ENCRYPTION_KEYS: key() };
    expect(() => loadConfig(production)).toThrow(/DATABASE_URL is required when NODE_ENV=production/);
    expect(loadConfig({ ...production, DATABASE_URL: 'postgres://db/x' }).database.url).toBe('postgres://db/x');
    // The production entry point requires it whatever NODE_ENV says; main.dev.ts passes the embedded one.
    expect(() => loadConfig({ ...production, NODE_ENV: 'development' })).toThrow(/DATABASE_URL is required/);
    expect(developmentDatabase({ DATA_DIR: '/tmp/x' })).toMatchObject({
      url: 'postgres://postgres:postgres@127.0.0.1:54329/stripe_config',
      dataDir: join('/tmp/x', 'postgres'),
    });
  });

  it('has database deadlines by default, each configurable, and checks them', () => {
    const env = { ...base, JWT_SECRET: SECRET };
    expect(loadConfig(env).database.deadlines).toEqual(DEFAULT_DATABASE_DEADLINES);
    expect(
      loadConfig({
        ...env,
        DATABASE_STATEMENT_TIMEOUT_MS: '1000',
        DATABASE_LOCK_TIMEOUT_MS: '500',
        DATABASE_QUERY_TIMEOUT_MS: '1500',
        DATABASE_POOL_ACQUIRE_TIMEOUT_MS: '3000',
        DATABASE_POOL_MAX_WAITING: '7',
      }).database.deadlines,
    ).toMatchObject({
      statementTimeoutMs: 1000,
      lockTimeoutMs: 500,
      queryTimeoutMs: 1500,
      poolAcquireTimeoutMs: 3000,
      poolMaxWaiting: 7,
    });
    expect(() => loadConfig({ ...env, DATABASE_LOCK_TIMEOUT_MS: 'soon' })).toThrow(/DATABASE_LOCK_TIMEOUT_MS/);
    expect(() =>
      loadConfig({ ...env, DATABASE_STATEMENT_TIMEOUT_MS: '9000', DATABASE_QUERY_TIMEOUT_MS: '8000' }),
    ).toThrow(/DATABASE_QUERY_TIMEOUT_MS must not be shorter/);
  });

  it('limits sign-ups per client by default (RATE_LIMIT_REGISTER)', () => {
    const env = { ...base, JWT_SECRET: SECRET };
    expect(loadConfig(env).rateLimits.registerPerIp).toEqual({ limit: 30, ttlSeconds: 600 });
    expect(loadConfig({ ...env, RATE_LIMIT_REGISTER: '0' }).rateLimits.registerPerIp.limit).toBe(0);
  });
});
