import { type ConfigOf, defineConfig } from '../config/config-area';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL (default `info`, case-insensitive): the pino level of every JSON log line. */
export function parseLogLevel(raw: string | undefined): LogLevel | undefined {
  const level = (raw ?? 'info').trim().toLowerCase() as LogLevel;
  return LOG_LEVELS.includes(level) ? level : undefined;
}

export const loggingConfig = defineConfig('logging', (env, problems) => {
  const level = parseLogLevel(env.LOG_LEVEL);
  if (!level) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return { level: level ?? 'info' };
});
export type LoggingConfig = ConfigOf<typeof loggingConfig>;
