import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { buildEvents, type StripeEvent, stripeSignature } from '../scripts/stripe-local/events';
import type { BoughtSubscription, JourneyInput, JourneyResult } from './client-journeys/journey';
import { FakeStripe } from './helpers/fake-stripe';
import { fakeKey, uniqueEmail } from './helpers/fixtures';
import { COMMITTED_SPEC_PATH, OpenApiResponseValidator } from './helpers/openapi-validator';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

jest.setTimeout(240_000);

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
/**
 * Gitignored: the generators write here once per run (inside the repository, so that the generated
 * code resolves its runtime packages from node_modules), so the clients always match the committed spec.
 */
const GENERATED = join(__dirname, 'generated');
const NO_COLOR = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' };
/** The test's own fetch: the orval journey points global fetch elsewhere while it runs. */
const realFetch = globalThis.fetch;

interface Generator {
  name: string;
  /** The journey it runs (test/client-journeys/<name>.ts), or only compiled: the file tsc starts from. */
  journey: boolean;
  entry?: string;
  generate(outDir: string): Promise<{ stdout: string; stderr: string }>;
}

/** Every generator works from the committed spec alone, offline, with its defaults where it has them. */
const GENERATORS: Generator[] = [
  {
    name: 'hey-api',
    journey: true,
    // Defaults: TypeScript types, SDK functions, the fetch client (base URL from the spec's servers).
    generate: (outDir) => run(bin('openapi-ts'), ['-i', COMMITTED_SPEC_PATH, '-o', outDir], { env: NO_COLOR }),
  },
  {
    name: 'orval',
    journey: true,
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
  {
    name: 'swagger-typescript-api',
    journey: true,
    // The fetch client (its default), one file.
    generate: (outDir) =>
      run(bin('swagger-typescript-api'), ['generate', '-p', COMMITTED_SPEC_PATH, '-o', outDir, '-n', 'api.ts'], {
        env: NO_COLOR,
      }),
  },
  {
    name: 'oazapfts',
    journey: true,
    generate: (outDir) => {
      mkdirSync(outDir, { recursive: true });
      return run(bin('oazapfts'), [COMMITTED_SPEC_PATH, join(outDir, 'api.ts')], { env: NO_COLOR });
    },
  },
  {
    name: 'kubb',
    journey: false,
    entry: 'index.ts',
    // Types and fetch clients. Imports without the `.ts` extension Kubb writes by default, so that
    // plain tsc compiles them (no allowImportingTsExtensions); no formatter (none is installed).
    generate: (outDir) => {
      mkdirSync(outDir, { recursive: true });
      const config = join(outDir, 'kubb.config.mjs');
      writeFileSync(
        config,
        [
          "import { defineConfig } from '@kubb/core';",
          "import { pluginOas } from '@kubb/plugin-oas';",
          "import { pluginTs } from '@kubb/plugin-ts';",
          "import { pluginClient } from '@kubb/plugin-client';",
          'export default defineConfig({',
          `  root: ${JSON.stringify(outDir)},`,
          `  input: { path: ${JSON.stringify(COMMITTED_SPEC_PATH)} },`,
          "  output: { path: './src', clean: true, format: false, extension: { '.ts': '' } },",
          "  plugins: [pluginOas(), pluginTs(), pluginClient({ client: 'fetch' })],",
          '});',
          '',
        ].join('\n'),
      );
      return run(bin('kubb'), ['generate', '--config', config], { env: NO_COLOR, cwd: outDir });
    },
  },
  {
    name: 'openapi-typescript-codegen',
    journey: false,
    entry: 'index.ts',
    // Unmaintained and weak on OpenAPI 3.1: held to compiling only.
    generate: (outDir) =>
      // Its bin is named `openapi`, which @redocly/cli's bin of the same name may shadow in node_modules/.bin.
      run(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'openapi-typescript-codegen', 'bin', 'index.js'),
          ...['--input', COMMITTED_SPEC_PATH, '--output', outDir, '--client', 'fetch'],
        ],
        { env: NO_COLOR },
      ),
  },
];

const rootFile = (g: Generator) =>
  g.journey
    ? join(__dirname, 'client-journeys', `${g.name}.ts`)
    : join(GENERATED, g.name, g.name === 'kubb' ? 'src' : '', g.entry!);

/**
 * Every generated client, and the journeys written against them, in ONE `tsc --strict` run (no
 * other flags: no skipLibCheck, no allowImportingTsExtensions). Returns the compiled files' folder
 * and each error line.
 */
async function compileAll(): Promise<{ outDir: string; errors: string[] }> {
  const outDir = mkdtempSync(join(GENERATED, '.out-'));
  const args = ['--strict', '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node'];
  args.push('--lib', 'ES2023,DOM', '--types', 'node', '--esModuleInterop', '--rootDir', __dirname, '--outDir', outDir);
  const errors = await run(bin('tsc'), [...args, ...GENERATORS.map(rootFile)], { cwd: ROOT }).then(
    () => [],
    (error: { stdout?: string }) => (error.stdout ?? String(error)).split('\n').filter((line) => /error TS/.test(line)),
  );
  return { outDir, errors };
}

/**
 * The ledger as each client read it: the subscription bought at checkout, active, with the fields its
 * events gave; its payment linked to it, and the lone invoice.paid's payment beside it (one row per
 * payment, newest first, so in either order when both came in the same second); the same rows across
 * projects with the project's name; the project configured in test mode; stats of one currency.
 */
function expectLedger({ projectId, ledger }: JourneyResult): void {
  const { bought } = ledger;
  const page = { total: expect.any(Number), page: 1, page_size: 50 };
  const subscription = {
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    project_id: projectId,
    user_id: bought.userId,
    is_test_mode: true,
    subscription_id: bought.subscriptionId,
    customer_id: bought.customerId,
    status: 'active',
    plan_name: 'Pro monthly',
    quantity: 1,
    current_period_start: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    current_period_end: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    cancel_at: null,
    cancelled_at: null,
    created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  };
  expect(ledger.subscriptions).toEqual({ ...page, total: 1, subscriptions: [subscription] });
  const subscriptionRowId = ledger.subscriptions.subscriptions[0]?.id;
  const payment = (intent: unknown, subscriptionId: unknown, userId: string | null, description: unknown) => ({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    project_id: projectId,
    subscription_id: subscriptionId,
    user_id: userId,
    is_test_mode: true,
    payment_intent_id: intent,
    status: 'succeeded',
    amount_cents: 2000,
    currency: 'usd',
    description,
    refunded_amount_cents: 0,
    created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  // The invoice's line item names each payment; the payment intent's own event, which carries no
  // description, does not erase it.
  const payments = [
    payment(bought.paymentIntentId, subscriptionRowId, bought.userId, expect.any(String)),
    payment(expect.stringMatching(/^in_/), null, null, expect.any(String)),
  ];
  expect(ledger.payments).toEqual({ ...page, total: 2, payments: expect.arrayContaining(payments) });
  expect(ledger.payments.payments).toHaveLength(2);

  const across = { project_name: expect.stringMatching(/ project$/), provider: 'stripe' };
  expect(ledger.allSubscriptions).toEqual({ ...page, total: 1, subscriptions: [{ ...subscription, ...across }] });
  expect(ledger.allTransactions).toEqual({
    ...page,
    total: 2,
    payments: expect.arrayContaining(payments.map((p) => ({ ...p, ...across }))),
  });
  expect(ledger.projects).toEqual({
    total: 1,
    projects: [
      expect.objectContaining({
        id: projectId,
        has_payment_config: true,
        has_test_credentials: true,
        has_live_credentials: false,
      }),
    ],
  });
  expect(ledger.stats).toEqual({
    total_projects: 1,
    projects_with_config: 1,
    projects_with_test: 1,
    projects_with_live: 0,
    total_subscriptions: 1,
    active_subscriptions: 1,
    total_payments: 2,
    successful_payments: 2,
    total_revenue_cents: 4000,
    currency: 'usd',
    revenue_by_currency: [{ currency: 'usd', total_payments: 2, successful_payments: 2, total_revenue_cents: 4000 }],
  });
}

describe('clients generated from openapi/openapi.json', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  const validator = OpenApiResponseValidator.fromCommittedSpec();
  const generatorOutput = new Map<string, string>();
  let compiled: { outDir: string; errors: string[] };

  beforeAll(async () => {
    ({ t, stripe } = await startAppWithFakeStripe({ listen: true }));
    mkdirSync(GENERATED, { recursive: true });
    // Once per run, all at once, then one compiler run over everything.
    await Promise.all(
      GENERATORS.map(async (g) => {
        const outDir = join(GENERATED, g.name);
        rmSync(outDir, { recursive: true, force: true });
        const { stdout, stderr } = await g.generate(outDir).catch((error: { stdout?: string; stderr?: string }) => {
          throw new Error(`${g.name} failed to generate:\n${error.stdout ?? ''}\n${error.stderr ?? String(error)}`);
        });
        generatorOutput.set(g.name, `${stdout}\n${stderr}`);
      }),
    );
    compiled = await compileAll();
  });
  afterAll(() => t?.close());

  /** The compiler errors in this generator's code or its journey (the shared journey.ts counts for all). */
  const errorsOf = (g: Generator) =>
    compiled.errors.filter((line) =>
      [`generated/${g.name}/`, `client-journeys/${g.name}.ts`, 'client-journeys/journey.ts'].some((part) =>
        line.includes(part),
      ),
    );

  it.each(GENERATORS.filter((g) => !g.journey))(
    '$name generates without a warning and its output compiles under tsc --strict, no flags',
    (g) => {
      expect(generatorOutput.get(g.name)).not.toMatch(/warn|⚠|deprecat/i);
      expect(errorsOf(g)).toEqual([]);
      expect(relative(ROOT, rootFile(g))).toMatch(/^test\/generated\//);
    },
  );

  describe.each(GENERATORS.filter((g) => g.journey))('$name', (g) => {
    it('generates without a warning, compiles under tsc --strict, and runs the whole journey', async () => {
      expect(generatorOutput.get(g.name)).not.toMatch(/warn|⚠|deprecat/i);
      expect(errorsOf(g)).toEqual([]);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runJourney } = require(join(compiled.outDir, 'client-journeys', `${g.name}.js`)) as {
        runJourney(input: JourneyInput): Promise<JourneyResult>;
      };

      const secret = fakeKey('sk_test_');
      stripe.validKeys.add(secret);
      const checked: string[] = [];
      const sent = new Map<string, string | null>();
      // Stripe delivers events to the endpoint the journey created, signed with its secret.
      const deliver = async (projectId: string, event: StripeEvent) => {
        const endpoint = [...stripe.webhookEndpoints.values()].find((e) => e.metadata.project_id === projectId);
        if (!endpoint) throw new Error(`no webhook endpoint in the fake Stripe for project ${projectId}`);
        const payload = JSON.stringify(event);
        const response = await realFetch(`${t.url}/api/v1/payments/stripe/webhooks/${projectId}/test`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Stripe-Signature': stripeSignature(payload, endpoint.secret),
          },
          body: payload,
        });
        expect({ type: event.type, status: response.status }).toEqual({ type: event.type, status: 200 });
      };
      const result = await runJourney({
        baseUrl: t.url,
        email: uniqueEmail(),
        password: 'correct-horse-battery',
        testSecretKey: secret,
        testPublishableKey: fakeKey('pk_test_'),
        observe: async (method, url, response, contentType) => {
          const headers = Object.fromEntries(response.headers.entries());
          validator.assertResponse(method, url, { status: response.status, text: await response.text(), headers });
          checked.push(`${method} ${response.status}`);
          sent.set(`${method} ${new URL(url).pathname}`, contentType);
        },
        deliverEvent: async (projectId) => {
          const [event] = buildEvents('invoice.paid')!;
          await deliver(projectId, event);
          return event.id;
        },
        deliverSubscription: async (projectId): Promise<BoughtSubscription> => {
          const events = buildEvents('subscription-checkout')!;
          for (const event of events) await deliver(projectId, event);
          const object = (type: string) => events.find((e) => e.type === type)!.data.object;
          const session = object('checkout.session.completed');
          return {
            subscriptionId: String(object('customer.subscription.created').id),
            customerId: String(session.customer),
            userId: String(session.client_reference_id),
            paymentIntentId: String(object('payment_intent.succeeded').id),
          };
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
          'PUT 412', // config with a stale If-Match
          'POST 200', // validate-credentials, against the fake Stripe
          'GET 200', // webhook URLs
          'POST 201', // webhook endpoint created in the fake Stripe
          'GET 200', // webhook events
          'GET 200', // one webhook event
          'GET 200', // the project's subscriptions
          'GET 200', // the project's payments
          'GET 200', // subscriptions across projects
          'GET 200', // payments across projects
          'GET 200', // the projects' payment configuration
          'GET 200', // stats
          'GET 200', // config, for its version
          'DELETE 204', // with If-Match built from that version
          'GET 200', // config, inactive
        ],
        email: expect.stringContaining('@'),
        tokenType: 'bearer',
        projectId: expect.any(String),
        maskedAfterPut: masked,
        versionAfterPut: 1,
        maskedOnGet: masked,
        versionOnGet: 1,
        conflict: {
          status: 412,
          detail: 'Precondition failed: the configuration is at version 1 (ETag "1"); reload it and retry',
        },
        validation: { valid: true, message: 'Stripe credentials are valid' },
        testWebhookUrl: `https://api.example.test/api/v1/payments/stripe/webhooks/${result.projectId}/test`,
        endpointSecretMasked: expect.stringMatching(/^whsec_\.\.\.[A-Za-z0-9]{4}$/),
        eventsListed: { total: 1, types: ['invoice.paid'] },
        eventFetched: { type: 'invoice.paid', eventId: result.deliveredEventId },
        deliveredEventId: expect.stringMatching(/^evt_/),
        ledger: expect.any(Object),
        activeAfterDelete: false,
      });
      expectLedger(result);
      // Every response was checked against the spec; login went out as JSON (the spec also offers
      // the OAuth2 form); Stripe really was asked, with that key.
      expect(checked).toEqual(result.statuses);
      expect(sent.get('POST /api/v1/auth/login')).toMatch(/^application\/json/);
      const withKey = stripe.requests.filter((r) => r.headers.authorization === `Bearer ${secret}`);
      expect(withKey.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(
        expect.arrayContaining(['GET /v1/balance', 'POST /v1/webhook_endpoints']),
      );
    });
  });
});
