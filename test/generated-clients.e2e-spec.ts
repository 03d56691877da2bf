import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JourneyInput, JourneyResult } from './client-journeys/journey';
import { FakeStripe } from './helpers/fake-stripe';
import { fakeKey, uniqueEmail } from './helpers/fixtures';
import { COMMITTED_SPEC_PATH, OpenApiResponseValidator } from './helpers/openapi-validator';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

jest.setTimeout(240_000);

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
/** Gitignored: the generators write here on every run, so the clients always match the committed spec. */
const GENERATED = join(__dirname, 'generated');
const NO_COLOR = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

interface Generator {
  name: 'hey-api' | 'orval';
  generate(outDir: string): Promise<{ stdout: string; stderr: string }>;
}

const GENERATORS: Generator[] = [
  {
    name: 'hey-api',
    // Defaults: TypeScript types, SDK functions, the fetch client (base URL from the spec's servers).
    generate: (outDir) => run(bin('openapi-ts'), ['-i', COMMITTED_SPEC_PATH, '-o', outDir], { env: NO_COLOR }),
  },
  {
    name: 'orval',
    generate: async (outDir) => {
      mkdirSync(outDir, { recursive: true });
      const config = join(outDir, 'orval.config.js');
      const output = { target: join(outDir, 'api.ts'), client: 'fetch', mode: 'single' };
      const settings = {
        input: { target: COMMITTED_SPEC_PATH },
        output: { ...output, baseUrl: { getBaseUrlFromSpecification: true } },
      };
      writeFileSync(config, `module.exports = ${JSON.stringify({ api: settings })};\n`);
      return run(bin('orval'), ['--config', config], { env: NO_COLOR });
    },
  },
];

/** The generated code and the journey written against it, compiled strictly (no hand edits anywhere). */
async function compileJourney(name: string): Promise<string> {
  const outDir = mkdtempSync(join(GENERATED, `.out-${name}-`));
  const args = ['--strict', '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node'];
  args.push('--lib', 'ES2023,DOM', '--types', 'node', '--esModuleInterop', '--rootDir', __dirname, '--outDir', outDir);
  await run(bin('tsc'), [...args, join(__dirname, 'client-journeys', `${name}.ts`)]).catch(
    (error: { stdout?: string }) => {
      throw new Error(`tsc --strict failed for ${name}:\n${error.stdout ?? String(error)}`);
    },
  );
  return join(outDir, 'client-journeys', `${name}.js`);
}

describe('clients generated from openapi/openapi.json by @hey-api/openapi-ts and orval', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  const validator = OpenApiResponseValidator.fromCommittedSpec();

  beforeAll(async () => {
    ({ t, stripe } = await startAppWithFakeStripe({ listen: true }));
    mkdirSync(GENERATED, { recursive: true });
  });
  afterAll(() => t?.close());

  describe.each(GENERATORS)('$name', (generator) => {
    it('generates without a warning, compiles under tsc --strict, and runs the whole journey', async () => {
      const outDir = join(GENERATED, generator.name);
      rmSync(outDir, { recursive: true, force: true });
      const { stdout, stderr } = await generator.generate(outDir);
      expect(`${stdout}\n${stderr}`).not.toMatch(/warn|⚠|deprecat/i);

      const journeyFile = await compileJourney(generator.name);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runJourney } = require(journeyFile) as { runJourney(input: JourneyInput): Promise<JourneyResult> };

      const secret = fakeKey('sk_test_');
      stripe.validKeys.add(secret);
      const checked: string[] = [];
      const result = await runJourney({
        baseUrl: t.url,
        email: uniqueEmail(),
        password: 'correct-horse-battery',
        testSecretKey: secret,
        testPublishableKey: fakeKey('pk_test_'),
        observe: async (method, url, response) => {
          const headers = Object.fromEntries(response.headers.entries());
          validator.assertResponse(method, url, { status: response.status, text: await response.text(), headers });
          checked.push(`${method} ${response.status}`);
        },
      });

      const masked = `sk_test_...${secret.slice(-4)}`;
      expect(result).toEqual({
        statuses: [
          'POST 201', // register
          'POST 200', // login
          'GET 200', // me
          'POST 201', // project
          'PUT 200', // config
          'GET 200', // config, masked
          'POST 200', // validate-credentials, against the fake Stripe
          'GET 200', // webhook URLs
          'DELETE 204',
          'GET 200', // config, inactive
        ],
        email: expect.stringContaining('@'),
        tokenType: 'bearer',
        projectId: expect.any(String),
        maskedAfterPut: masked,
        maskedOnGet: masked,
        validation: { valid: true, message: 'Stripe credentials are valid' },
        testWebhookUrl: `https://api.example.test/api/v1/payments/stripe/webhooks/${result.projectId}/test`,
        activeAfterDelete: false,
      });
      // Every response was checked against the spec, and Stripe really was asked (with that key).
      expect(checked).toEqual(result.statuses);
      expect(stripe.requests.filter((r) => r.headers.authorization === `Bearer ${secret}`)).toHaveLength(1);
    });
  });
});
