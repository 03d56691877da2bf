/** The environment as the parsers read it: process.env, or the object a test or script passes in. */
export type Env = Readonly<Record<string, string | undefined>>;

/** `T` with every property, at every depth, read-only (the validated configuration is frozen). */
export type DeepReadonly<T> = T extends Buffer
  ? T
  : T extends (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * The settings of one area (HTTP server, auth, database, ...), owned by the module that uses them:
 * `parse` reads the variables of the area and pushes one problem per bad value (loadConfig reports the
 * problems of every area together); `KEY` is the injection token of the validated result
 * (`@Inject(authConfig.KEY) config: AuthConfig`, provided by ConfigModule).
 */
export interface ConfigArea<T> {
  readonly KEY: symbol;
  parse(env: Env, problems: string[]): T;
}

/** The validated, read-only settings of an area: `type AuthConfig = ConfigOf<typeof authConfig>`. */
export type ConfigOf<A> = A extends ConfigArea<infer T> ? DeepReadonly<T> : never;

export function defineConfig<T>(name: string, parse: (env: Env, problems: string[]) => T): ConfigArea<T> {
  return { KEY: Symbol(`${name} config`), parse };
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function isProduction(env: Env): boolean {
  return (env.NODE_ENV ?? 'development') === 'production';
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `3600`, `15m`, `1h`, `1d`: a positive number of seconds; undefined when malformed or zero. */
export function parseDurationSeconds(raw: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * DURATION_UNITS[match[2] || 's'];
  return value > 0 ? value : undefined;
}

/** A TCP port written as plain digits; undefined when malformed or out of range. */
export function parsePort(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  const trimmed = raw.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return undefined;
  const port = Number(trimmed);
  return port <= 65535 ? port : undefined;
}

/** `env[name]` (or `fallback` when unset) as a positive integer; a problem naming `name` otherwise. */
export function positiveInteger(env: Env, name: string, fallback: number, problems: string[]): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive integer`);
  return value;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Freezes plain objects and arrays at every depth (Buffers cannot be frozen and are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
