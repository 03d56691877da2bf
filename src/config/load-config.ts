import { type ConfigArea, type ConfigOf, ConfigError, deepFreeze, type Env } from './config-area';
import { withDevelopmentSecrets } from './dev-secrets';

/** Settings areas by name, as the composition root lists them (src/app.config.ts). */
export type ConfigAreas = Readonly<Record<string, ConfigArea<unknown>>>;

/** The validated, frozen settings of every area of `Areas`, by area name. */
export type ConfigOfAreas<Areas extends ConfigAreas> = { readonly [Area in keyof Areas]: ConfigOf<Areas[Area]> };

/**
 * Parses every area of `areas` from `env` (outside production, missing secrets are generated first,
 * see dev-secrets.ts). Throws one ConfigError naming every problem, in the order of the areas
 * (`problems`: earlier ones, e.g. the development entry point's own, reported first); returns the
 * configuration deep-frozen.
 */
export function loadConfigAreas<Areas extends ConfigAreas>(
  areas: Areas,
  env: Env,
  onNotice: (msg: string) => void,
  problems: string[],
): ConfigOfAreas<Areas> {
  const resolved = withDevelopmentSecrets(env, onNotice);
  const config: Record<string, unknown> = {};
  for (const [name, area] of Object.entries(areas)) config[name] = area.parse(resolved, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config as ConfigOfAreas<Areas>);
}
