import { createHash } from 'node:crypto';
import type { StripeConfig } from '../stripe-config/stripe-config.entity';
import type { StripeMode } from '../stripe/stripe-keys';
import type { CheckResult, StoredHealthCheck } from './stripe-health.repository';
import { StripeHealthService } from './stripe-health.service';

const PROJECT = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const URLS = {
  test_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${PROJECT}/test`,
  live_webhook_url: `https://api.example.test/api/v1/payments/stripe/webhooks/${PROJECT}/live`,
};
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const noUnconfirmed = { total: 0, unknownToAccount: 0, clientAddresses: 0, clientAddressesExact: true };
const noFailures = {
  total: 0,
  byCause: { secret_mismatch: 0, clock_skew: 0, wrong_url_mode: 0 },
  lastFailureAt: null,
  unconfirmed: noUnconfirmed,
};

/** A configuration row with a test secret key only (ciphertexts are opaque strings here, never read). */
function configRow(overrides: Partial<StripeConfig> = {}): StripeConfig {
  return {
    projectId: PROJECT,
    isActive: true,
    testSecretKeyEncrypted: 'cipher-test-key',
    testSecretKeyMasked: 'sk_test_...AbCd',
    testSecretKeyFingerprint: md5('cipher-test-key'),
    testSecretKeyAccount: null,
    testPublishableKeyMasked: null,
    testPublishableKeyAccount: null,
    testWebhookSecretMasked: null,
    liveSecretKeyEncrypted: null,
    liveSecretKeyMasked: null,
    liveSecretKeyFingerprint: null,
    liveSecretKeyAccount: null,
    livePublishableKeyMasked: null,
    livePublishableKeyAccount: null,
    liveWebhookSecretMasked: null,
    ...overrides,
  } as StripeConfig;
}

/** Every collaborator replaced by a small fake that records its calls in one shared log. */
function setup(
  options: {
    config?: StripeConfig | null;
    claims?: boolean;
    result?: CheckResult | null;
    stored?: StoredHealthCheck[];
  } = {},
) {
  const log: unknown[][] = [];
  const config = options.config === undefined ? configRow() : options.config;
  const repository = {
    findForProject: async (projectId: string) => (log.push(['findForProject', projectId]), options.stored ?? []),
    claimOne: async (projectId: string, mode: StripeMode, leaseMs: number) => {
      log.push(['claimOne', projectId, mode, leaseMs]);
      return options.claims ?? true;
    },
    store: async (...args: unknown[]) => void log.push(['store', ...args]),
    release: async (...args: unknown[]) => void log.push(['release', ...args]),
  };
  const configs = { findByProjectId: async (projectId: string) => (log.push(['findConfig', projectId]), config) };
  const stripeConfig = { webhookUrls: () => URLS };
  const events = { lastVerifiedEvents: async () => ({ test: null, live: null }) };
  const checker = {
    check: async (checked: StripeConfig, mode: StripeMode) => {
      log.push(['check', checked.projectId, mode]);
      if (options.result === undefined) throw new Error('Stripe went away');
      return options.result;
    },
  };
  const failures = { countsSince24h: async () => noFailures };
  const service = new StripeHealthService(
    repository as never,
    configs as never,
    stripeConfig as never,
    checker as never,
    failures as never,
    events as never,
    { timeoutMs: 1000 } as never,
    { intervalMs: 60_000 } as never,
    { forProject: async () => [] } as never,
    { findForProject: async () => [] } as never,
  );
  return { service, log, config: config as StripeConfig };
}

const RESULT: CheckResult = { keyFingerprint: md5('cipher-test-key'), keyOutcome: 'valid' } as CheckResult;

describe('StripeHealthService', () => {
  it('a claim outlives every Stripe call of one check: 8 time-outs plus 5 s', () => {
    expect(setup().service.leaseMs).toBe(13_000);
  });

  describe('report', () => {
    it("reads stored outcomes only (no Stripe call): the test key's last outcome counts while it is the key checked", async () => {
      const stored: StoredHealthCheck[] = [
        {
          mode: 'test',
          key_fingerprint: md5('cipher-test-key'),
          key_outcome: 'invalid',
          key_message: 'Invalid API key',
          key_checked_at: new Date('2026-03-01T11:00:00Z'),
          endpoint_code: null,
          endpoint_status: null,
          endpoint_message: null,
          endpoint_checked_at: null,
        },
      ];
      const { service, log } = setup({ stored });
      const report = await service.report(PROJECT);
      expect(log.filter(([call]) => call === 'check')).toEqual([]);
      expect(report).toMatchObject({ project_id: PROJECT, config_active: true });
      expect(report.test.status).toBe('failing');
      expect(report.test.checks[0]).toMatchObject({ code: 'secret_key_invalid', message: 'Invalid API key' });
      expect(report.live.checks.map((c) => c.code)).toContain('secret_key_not_stored');
      expect(report.live.checks.at(-1)?.check).toBe('go_live');
    });

    it('compares the Stripe accounts stored with the keys (nothing decrypted: the service holds no cipher)', async () => {
      const differ = configRow({
        testSecretKeyAccount: '1AAAAAAAAAAAAAAA',
        testPublishableKeyMasked: 'pk_test_...EfGh',
        testPublishableKeyAccount: '1BBBBBBBBBBBBBBB',
      });
      const publishable = async (config: StripeConfig) =>
        (await setup({ config }).service.report(PROJECT)).test.checks.find((c) => c.check === 'publishable_key');
      expect(await publishable(differ)).toMatchObject({ code: 'publishable_key_other_account', status: 'warning' });
      const same = configRow({ ...differ, testPublishableKeyAccount: '1AAAAAAAAAAAAAAA' });
      expect(await publishable(same)).toMatchObject({ code: 'publishable_key_ok' });
      // An account not known yet (a row stored before accounts were kept, not checked since): not reported.
      const unknown = configRow({ ...differ, testSecretKeyAccount: null });
      expect(await publishable(unknown)).toMatchObject({ code: 'publishable_key_ok' });
    });

    it('a project without a configuration: config_active null, nothing stored anywhere', async () => {
      const report = await setup({ config: null }).service.report(PROJECT);
      expect(report.config_active).toBeNull();
      expect(report.test.checks[0]).toMatchObject({ code: 'secret_key_not_stored' });
    });
  });

  describe('refresh', () => {
    it('claims and checks each mode that has a secret key, stores the outcome for the next interval, then reports', async () => {
      const { service, log } = setup({ result: RESULT });
      const report = await service.refresh(PROJECT);
      expect(log.filter(([call]) => call !== 'findForProject' && call !== 'findConfig')).toEqual([
        ['claimOne', PROJECT, 'test', 13_000],
        ['check', PROJECT, 'test'],
        ['store', PROJECT, 'test', RESULT, 60_000],
      ]);
      expect(report.project_id).toBe(PROJECT);
    });

    it('does not check a mode another instance has claimed', async () => {
      const { service, log } = setup({ claims: false, result: RESULT });
      await service.refresh(PROJECT);
      expect(log.map(([call]) => call)).not.toContain('check');
      expect(log.map(([call]) => call)).not.toContain('store');
    });

    it('checks nothing for a deactivated configuration', async () => {
      const { service, log } = setup({ config: configRow({ isActive: false }), result: RESULT });
      await service.refresh(PROJECT);
      expect(log.map(([call]) => call)).not.toContain('claimOne');
    });
  });

  describe('runClaimed', () => {
    it('no outcome (nothing to check): releases the claim until the next interval', async () => {
      const { service, log, config } = setup({ result: null });
      await service.runClaimed(config, 'test');
      expect(log).toEqual([
        ['check', PROJECT, 'test'],
        ['release', PROJECT, 'test', 60_000],
      ]);
    });

    it('a failed check releases the claim at once (no interval) and fails', async () => {
      const { service, log, config } = setup();
      await expect(service.runClaimed(config, 'live')).rejects.toThrow('Stripe went away');
      expect(log).toEqual([
        ['check', PROJECT, 'live'],
        ['release', PROJECT, 'live'],
      ]);
    });
  });

  it('runScheduled releases a check whose configuration is gone or deactivated, without calling Stripe', async () => {
    for (const config of [null, configRow({ isActive: false })]) {
      const { service, log } = setup({ config, result: RESULT });
      await service.runScheduled(PROJECT, 'test');
      expect(log).toEqual([
        ['findConfig', PROJECT],
        ['release', PROJECT, 'test', 60_000],
      ]);
    }
  });
});
