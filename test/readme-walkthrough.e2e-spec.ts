import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/common/free-port';
import { startLocalStripe } from '../scripts/stripe-local/local-stripe';
import type { FakeStripe } from './helpers/fake-stripe';
import { createTestApp, type TestApp } from './helpers/test-app';

jest.setTimeout(60_000);

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  code: string;
}

/** The fenced code blocks of the README's "Walk-through with curl" section, in order. */
function walkThroughBlocks(): Block[] {
  const section = README.split(/^## /m).find((part) => part.startsWith('Walk-through with curl'));
  if (!section) throw new Error('README.md has no "## Walk-through with curl" section');
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));
}

/**
 * A `#=>` line as a pattern for one output line: `…` stands for any text, everything else is literal;
 * surrounding spaces are ignored.
 */
function linePattern(expected: string): RegExp {
  const parts = expected
    .trim()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/** The `#=>` lines the output must contain in this order (other lines, such as npm's, may come between). */
function unmatched(expected: string[], output: string[]): string[] {
  let at = 0;
  const missing: string[] = [];
  for (const line of expected) {
    const pattern = linePattern(line);
    const found = output.findIndex((candidate, index) => index >= at && pattern.test(candidate.trim()));
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  return missing;
}

const MARK = '@@readme-block';

describe('the README walk-through, run as printed', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  const stripeLog: string[] = [];

  beforeAll(async () => {
    stripe = await startLocalStripe(0, (line) => stripeLog.push(line));
    // The service as `npm start` runs it after the README's terminal 2: Stripe's API at the local
    // Stripe, and a PUBLIC_BASE_URL it can deliver to (this very listener).
    const port = await freePort();
    t = await createTestApp({
      env: { STRIPE_API_BASE: stripe.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
    });
    await t.app.listen(port, '127.0.0.1');
    t.url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await t?.close();
    await stripe?.stop();
  });

  it('starts the processes only in `sh` blocks, and the rest are `bash` blocks with the answers shown', () => {
    const blocks = walkThroughBlocks();
    const starts = blocks.filter((b) => b.lang === 'sh').map((b) => b.code);
    expect(starts).toEqual([expect.stringContaining('npm run stripe:local ')]);
    expect(starts[0]).toContain('STRIPE_API_BASE=http://127.0.0.1:12111 npm start');
    const bash = blocks.filter((b) => b.lang === 'bash');
    expect(bash.length).toBeGreaterThanOrEqual(3);
    expect(blocks.length).toBe(starts.length + bash.length);
    expect(
      bash
        .map((b) => b.code)
        .join('')
        .match(/^#=> /gm)?.length,
    ).toBeGreaterThanOrEqual(10);
  });

  it('gives the answers it shows, block by block, in order', async () => {
    const blocks = walkThroughBlocks().filter((b) => b.lang === 'bash');
    // One shell for all the blocks, as a person pastes them into one terminal: later blocks use the
    // variables earlier ones set (TOKEN, PROJECT). BASE and STRIPE_LOCAL_URL name the started processes.
    const script = ['set -e', ...blocks.map((b, i) => `echo "${MARK} ${i}"\n${b.code}`)].join('\n');
    // Without PORT: the README's `npm run stripe:local -- trigger` would read it as the local Stripe's port.
    const { PORT: _port, ...inherited } = process.env;
    // TS_NODE_PROJECT: the README's `npm run stripe:local` (ts-node) transpiles with swc, as the other
    // child processes of the tests do; what it runs is the same.
    const env = {
      ...inherited,
      BASE: t.url,
      STRIPE_LOCAL_URL: stripe.url,
      NO_COLOR: '1',
      TS_NODE_PROJECT: 'test/tsconfig.spawn.json',
    };
    const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, env, maxBuffer: 4 * 1024 * 1024 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`the walk-through failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      },
    );
    const outputs = stdout.split(new RegExp(`^${MARK} \\d+$`, 'm')).slice(1);
    expect(outputs).toHaveLength(blocks.length);
    blocks.forEach((block, i) => {
      const expected = [...block.code.matchAll(/^#=> (.*)$/gm)].map((m) => m[1]);
      const output = outputs[i].split('\n');
      expect({ block: i + 1, missing: unmatched(expected, output), output }).toEqual({
        block: i + 1,
        missing: [],
        output,
      });
    });

    // What the blocks did really happened: Stripe was called with the README's key, one endpoint was
    // created and removed again by the DELETE, and the signed events were verified and stored.
    expect(stripeLog.some((line) => line.includes('POST /v1/webhook_endpoints sk_test_...5678'))).toBe(true);
    expect(stripe.webhookEndpoints.size).toBe(0);
    const events = await t.db.query<{ type: string }>(
      'SELECT event_type AS type FROM stripe_webhook_events ORDER BY received_at',
    );
    expect(events.rows.map((r) => r.type)).toEqual(
      expect.arrayContaining(['invoice.paid', 'checkout.session.completed', 'customer.subscription.deleted']),
    );
    // The ledger the lists showed: the life cycle's subscription, ended, and two payments, the
    // subscription's linked to it.
    const subscriptions = await t.db.query<{ id: string; status: string; stripe_subscription_id: string }>(
      'SELECT id, status, stripe_subscription_id FROM ledger_subscriptions',
    );
    expect(subscriptions.rows).toEqual([
      { id: expect.any(String), status: 'canceled', stripe_subscription_id: expect.stringMatching(/^sub_/) },
    ]);
    const payments = await t.db.query<{ key: string; status: string; linked: boolean }>(
      `SELECT p.payment_intent_id AS key, p.status, s.id IS NOT NULL AS linked FROM ledger_payments p
         LEFT JOIN ledger_subscriptions s ON s.stripe_subscription_id = p.stripe_subscription_id ORDER BY key DESC`,
    );
    expect(payments.rows).toEqual([
      { key: expect.stringMatching(/^pi_/), status: 'succeeded', linked: true },
      { key: expect.stringMatching(/^in_/), status: 'succeeded', linked: false },
    ]);
  });

  it('checks its own matching: a wrong answer is reported', () => {
    expect(unmatched(['{"valid":true,…} 200'], ['{"valid":false,"message":"x"} 200'])).toEqual([
      '{"valid":true,…} 200',
    ]);
    expect(unmatched(['a …', 'b'], ['> npm banner', 'a 1', 'x', 'b'])).toEqual([]);
    expect(unmatched(['b', 'a …'], ['a 1', 'b'])).toEqual(['a …']);
  });
});
