import { type ConfigOf, defineConfig, positiveInteger } from '../config/config-area';

/**
 * Projects one developer may own. GET /projects/ answers them all in one array (as the reference API
 * does, no pagination): with names ≤ 255 and descriptions ≤ 1,000 characters, 200 projects are at most
 * ~1.5 MB of JSON, so one developer cannot make that answer (or the memory behind it) grow without end.
 */
export const DEFAULT_MAX_PROJECTS_PER_DEVELOPER = 200;

/** The bound on the setting: the unpaginated list stays under ~8 MB of JSON. */
const MAX_PROJECTS_PER_DEVELOPER_LIMIT = 1000;

/** MAX_PROJECTS_PER_DEVELOPER: how many projects one developer may own (then 409). */
export const projectsConfig = defineConfig('projects', (env, problems) => {
  const maxPerDeveloper = positiveInteger(
    env,
    'MAX_PROJECTS_PER_DEVELOPER',
    DEFAULT_MAX_PROJECTS_PER_DEVELOPER,
    problems,
  );
  if (maxPerDeveloper > MAX_PROJECTS_PER_DEVELOPER_LIMIT)
    problems.push(
      `MAX_PROJECTS_PER_DEVELOPER must be at most ${MAX_PROJECTS_PER_DEVELOPER_LIMIT} (the project list is not paginated)`,
    );
  return { maxPerDeveloper };
});
export type ProjectsConfig = ConfigOf<typeof projectsConfig>;
