import { DEFAULT_MAX_PROJECTS_PER_DEVELOPER as MAX_PROJECTS_PER_DEVELOPER } from '../src/projects/projects.config';
import { Developer } from './helpers/fixtures';
import { startAppWithDeveloper, TestApp } from './helpers/test-app';

/** GET /projects/ has no pagination (as in the reference): its size is bounded by a limit per developer. */
describe('Projects per developer are limited, so the project list is bounded in bytes (e2e)', () => {
  let t: TestApp;
  let dev: Developer;

  beforeAll(async () => ({ t, dev } = await startAppWithDeveloper()));
  afterAll(() => t?.close());

  it(`concurrent creations stop at ${MAX_PROJECTS_PER_DEVELOPER} (409 after); the list of the largest projects stays under 2 MB`, async () => {
    // The worst case for the list: the longest names and descriptions, of characters JSON escapes as \u0001.
    const name = '\u0001'.repeat(255);
    const description = '\u0001'.repeat(1000);
    await t.db.query(
      `INSERT INTO projects (owner_id, name, description) SELECT $1, $2, $3 FROM generate_series(1, $4)`,
      [dev.id, name, description, MAX_PROJECTS_PER_DEVELOPER - 3],
    );
    const results = await Promise.all(
      Array.from({ length: 5 }, () => t.http().post('/api/v1/projects/').set(dev.auth).send({ name, description })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409]);
    expect(results.find((r) => r.status === 409)!.body).toEqual({
      detail: `Project limit reached: a developer can own at most ${MAX_PROJECTS_PER_DEVELOPER} projects`,
    });
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM projects WHERE owner_id = $1', [dev.id]);
    expect(rows[0].n).toBe(MAX_PROJECTS_PER_DEVELOPER);

    const list = await t.http().get('/api/v1/projects/').set(dev.auth).expect(200);
    expect(list.body).toHaveLength(MAX_PROJECTS_PER_DEVELOPER);
    const bytes = Buffer.byteLength(list.text);
    console.log(
      `GET /projects/ with ${MAX_PROJECTS_PER_DEVELOPER} projects of the longest escaped names: ${bytes} bytes`,
    );
    expect(bytes).toBeLessThan(2_000_000);
  });
});
